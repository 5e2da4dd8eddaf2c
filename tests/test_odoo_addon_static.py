"""The companion Odoo addon, checked without Odoo: pylint-odoo, XML, manifest, access rights, and
every model/field the connector's mapping writes, against the addon source parsed with ``ast`` and
against the payload JSON Schemas (types, selection values, int4 range)."""
import ast
import csv
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from odoo_connector import mapping
from odoo_connector.routing import ALERT_MODEL
from webhooks.device_types import DEVICE_TYPES

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDON = ROOT / "odoo_connector" / "addons" / "smart_dairy_iot"
SCHEMAS = ROOT / "webhooks" / "schemas"
MIXIN = "iot.reading.mixin"
INT4_MAX = 2**31 - 1
# mapping kind -> the Odoo field types that accept it
COMPATIBLE = {"char": {"Char", "Text"}, "text": {"Text", "Char"}, "float": {"Float"}, "integer": {"Integer"},
              "selection": {"Selection"}, "datetime": {"Datetime"}, "date": {"Date"}, "boolean": {"Boolean"}}


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def parse_addon():
    """{model: {"fields": {name: (type, kwargs)}, "inherit": [...], "body": ClassDef, "file": Path}}."""
    found = {}
    for path in sorted((ADDON / "models").glob("*.py")):
        for cls in ast.parse(path.read_text()).body:
            if not isinstance(cls, ast.ClassDef):
                continue
            attrs, fields = {}, {}
            for stmt in cls.body:
                if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)):
                    continue
                target, value = stmt.targets[0].id, stmt.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and isinstance(value.func.value, ast.Name) and value.func.value.id == "fields":
                    kwargs = {k.arg: _literal(k.value) for k in value.keywords}
                    if value.func.attr == "Selection":
                        kwargs["selection"] = _literal(value.args[0])
                    if value.func.attr == "Many2one":
                        kwargs["comodel"] = _literal(value.args[0])
                    fields[target] = (value.func.attr, kwargs)
                else:
                    attrs[target] = _literal(value)
            if attrs.get("_name"):
                inherit = attrs.get("_inherit") or []
                found[attrs["_name"]] = {"fields": fields, "file": path, "body": cls,
                                         "inherit": [inherit] if isinstance(inherit, str) else inherit}
    for model in found.values():  # fold mixin fields in
        for parent in model["inherit"]:
            model["fields"] = {**found[parent]["fields"], **model["fields"]}
    return found


ADDON_MODELS = parse_addon()
CONCRETE = sorted(m for m in ADDON_MODELS if m not in (MIXIN, "iot.ui.setup"))
READING_MODELS = sorted(m for m in ADDON_MODELS if MIXIN in ADDON_MODELS[m]["inherit"])
SCHEMA_OF = {t.odoo_model: f"{t.name}.v1.json" for t in DEVICE_TYPES} | {ALERT_MODEL: "alerts.v1.json"}


def schema_property(schema_file, path):
    node = json.loads((SCHEMAS / schema_file).read_text())
    for part in path.split("."):
        node = node.get("properties", {}).get(part)
        if node is None:
            return None
    return node


def assert_compatible(model, name, kind, schema_file=None, path=None):
    fields = ADDON_MODELS[model]["fields"]
    assert name in fields, f"{model} has no field {name!r} (the mapping writes it)"
    ftype, kwargs = fields[name]
    assert ftype in COMPATIBLE[kind], f"{model}.{name} is {ftype}, the mapping sends {kind}"
    if schema_file is None:
        return
    prop = schema_property(schema_file, path)
    assert prop is not None, f"{schema_file} has no property {path!r}"
    if kind == "selection":
        keys = {key for key, _ in kwargs["selection"]}
        assert set(prop["enum"]) <= keys, f"{model}.{name} lacks {set(prop['enum']) - keys}"
    if kind == "integer":
        assert prop.get("maximum", INT4_MAX + 1) <= INT4_MAX, f"{path} can overflow int4 in {model}.{name}"


def test_pylint_odoo_finds_nothing():
    """pylint-odoo's Odoo checks pass for the 17.0 and 19.0 series, except advice that would break
    one source for all series: a series-prefixed manifest version, and self.env._ (18+)."""
    base = [sys.executable, "-m", "pylint", "--load-plugins=pylint_odoo", "--disable=all", "--enable=odoolint",
            "--disable=manifest-version-format", "--manifest-required-authors=Smart Dairy IoT Core",
            "--score=n", str(ADDON)]
    runs = [["--valid-odoo-versions=17.0"],
            ["--valid-odoo-versions=19.0", "--disable=prefer-env-translation"]]
    for extra in runs:
        done = subprocess.run(base[:-1] + extra + base[-1:], capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert done.returncode == 0, done.stdout + done.stderr


def test_xml_files_are_well_formed_odoo_data():
    """Every XML file parses and has the <odoo> root Odoo's loader expects."""
    files = sorted(ADDON.rglob("*.xml"))
    assert files
    for path in files:
        assert ET.parse(path).getroot().tag == "odoo", path


def test_manifest_keys_and_data_files():
    """The manifest is a literal dict with the keys Odoo needs, and lists files that exist."""
    manifest = ast.literal_eval((ADDON / "__manifest__.py").read_text())
    for key in ("name", "version", "license", "depends", "data", "author", "summary"):
        assert manifest.get(key), key
    # x.y.z without a series: Odoo prefixes its own (adapt_version); "17.0.x.y.z" fails
    # check_version on 18+ (odoo/modules/module.py), making the module uninstallable there.
    assert [part.isdigit() for part in manifest["version"].split(".")] == [True] * 3, manifest["version"]
    assert manifest.get("installable", True) is True
    for name in manifest["data"]:
        assert (ADDON / name).is_file(), name
    on_disk = {p.relative_to(ADDON).as_posix() for p in ADDON.rglob("*") if p.suffix in (".xml", ".csv")}
    assert on_disk == set(manifest["data"]), "a data file is not loaded, or loaded twice"


def test_every_concrete_model_has_access_rights():
    """ir.model.access.csv has the fixed header and rows for each model and group."""
    with open(ADDON / "security" / "ir.model.access.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "name", "model_id:id", "group_id:id", "perm_read", "perm_write",
                             "perm_create", "perm_unlink"]
    for model in CONCRETE:
        ref = "model_" + model.replace(".", "_")
        groups = {r["group_id:id"]: r for r in rows if r["model_id:id"] == ref}
        assert set(groups) == {"base.group_user", "group_iot_connector", "group_iot_manager"}, model
        bot = groups["group_iot_connector"]
        assert (bot["perm_read"], bot["perm_write"], bot["perm_create"], bot["perm_unlink"]) == ("1", "1", "1", "0")


def test_mapping_models_exist_in_the_addon():
    """Every model the forwarder writes is defined by the addon."""
    assert set(mapping.READING_FIELDS) | {mapping.DEVICE_MODEL} <= set(ADDON_MODELS)
    assert set(READING_MODELS) == set(mapping.READING_FIELDS)


@pytest.mark.parametrize("model", sorted(mapping.READING_FIELDS))
def test_reading_fields_exist_with_compatible_types(model):
    """Each mapped field exists with a compatible type; selections cover the schema's enum; integers
    fit int4; each payload path exists in the JSON Schema."""
    for name, kind in mapping.COMMON_FIELDS:
        assert_compatible(model, name, kind)
    for name, path, kind in mapping.READING_FIELDS[model]:
        assert_compatible(model, name, kind, SCHEMA_OF[model], path)
    device = ADDON_MODELS[model]["fields"]["device_id"]
    assert device[0] == "Many2one" and device[1]["comodel"] == "iot.device" and device[1]["required"]


def test_device_event_fields_exist_and_are_accepted():
    """Status and presence values are iot.device fields that ingest_events accepts for that event."""
    accepted = _module_constant(ADDON_MODELS["iot.device"]["file"], "EVENT_FIELDS")
    for name, path, kind in mapping.STATUS_FIELDS:
        assert_compatible("iot.device", name, kind, "status.v1.json", path)
        assert name in accepted["status"]
    for name, kind in mapping.STATUS_EXTRA:
        assert_compatible("iot.device", name, kind)
        assert name in accepted["status"]
    for name, kind in mapping.PRESENCE_FIELDS:
        assert_compatible("iot.device", name, kind)
        assert name in accepted["presence"]
    event_keys = _module_constant(ADDON_MODELS["iot.device"]["file"], "EVENT_KEYS")
    assert set(mapping.EVENT_KEYS) | set(mapping.REFERENCE_KEYS) == set(event_keys)


def test_reference_keys_are_the_ones_the_addon_resolves():
    """device_ref/device_type are consumed by ingest, not written as fields."""
    mixin_file = ADDON_MODELS[MIXIN]["file"]
    assert tuple(_module_constant(mixin_file, "REFERENCE_KEYS")) == mapping.REFERENCE_KEYS


def _module_constant(path, name):
    for stmt in ast.parse(path.read_text()).body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == name for t in stmt.targets):
            return ast.literal_eval(stmt.value)
    raise AssertionError(f"{name} not found in {path}")


@pytest.mark.parametrize("model", READING_MODELS)
def test_message_key_is_unique_on_every_series(model):
    """Each reading model declares UNIQUE(message_key) both ways: models.Constraint where it exists
    (19+, which ignores _sql_constraints) and _sql_constraints otherwise (17, 18)."""
    branches = [s for s in ADDON_MODELS[model]["body"].body
                if isinstance(s, ast.If) and getattr(s.test, "id", None) == "HAS_CONSTRAINT"]
    assert len(branches) == 1, "expected one `if HAS_CONSTRAINT:` block"
    (new,), (old,) = branches[0].body, branches[0].orelse
    assert new.targets[0].id == "_message_key_uniq"
    assert new.value.func.attr == "Constraint" and [a.id for a in new.value.args] == ["UNIQUE_KEY_SQL", "UNIQUE_KEY_MESSAGE"]
    assert old.targets[0].id == "_sql_constraints"
    (entry,) = old.value.elts
    assert _literal(entry.elts[0]) == "message_key_uniq"  # same DB name as the 19 Constraint
    constants = ADDON_MODELS[MIXIN]["file"]
    assert _module_constant(constants, "UNIQUE_KEY_SQL") == "UNIQUE(message_key)"
    assert _module_constant(constants, "UNIQUE_KEY_MESSAGE").startswith("IOTDUP ")


def test_view_fields_exist_on_their_models():
    """Every <field name> in the XML views and every list column made in Python exists."""
    for path in sorted((ADDON / "views").glob("*.xml")):
        for record in ET.parse(path).getroot().iter("record"):
            if record.get("model") != "ir.ui.view":
                continue
            model = record.find("field[@name='model']").text
            arch = record.find("field[@name='arch']")
            for node in arch[0].iter("field"):
                assert node.get("name") in ADDON_MODELS[model]["fields"], f"{path.name}: {model}.{node.get('name')}"
    setup = ast.parse((ADDON / "models" / "iot_ui_setup.py").read_text())
    common = next(ast.literal_eval(s.value) for s in setup.body if isinstance(s, ast.Assign) and s.targets[0].id == "COMMON")
    screens = next(s.value for s in setup.body if isinstance(s, ast.Assign) and s.targets[0].id == "SCREENS")
    listed = set()
    for screen in screens.elts:
        model = _literal(screen.elts[1])
        columns = _literal(screen.elts[3])
        if columns is None:  # COMMON + (...)
            columns = common + ast.literal_eval(screen.elts[3].right)
        listed.add(model)
        for name in columns:
            assert name in ADDON_MODELS[model]["fields"], f"list of {model}: {name}"
    assert listed == set(CONCRETE)
