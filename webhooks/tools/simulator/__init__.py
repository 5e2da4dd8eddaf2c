"""The farm simulator: a dairy farm's MQTT traffic, realistic readings plus real field faults.

    config.py        FarmConfig (herd, devices, duration, seed) and Faults (rates)
    roster.py        device ids, topics and MQTT identities; each cow's traits
    milking.py       milking sessions: milk meter readings, parlour-exit gate, milk into the tank
    cooling.py       bulk-tank cooling curves and cold rooms, with cold-chain excursions
    herd.py          collars (activity, rumination, heat), feed stations, paddock gates
    barn.py          barn climate (THI) and water troughs
    connectivity.py  connects, outages (disconnect, buffer, reconnect, backfill), status reports
    faults.py        duplicates, clock skew, non-JSON payloads, borrowed identities
    stream.py        ``simulate(config)``: everything above, in broker-time order
    send.py          the traffic through the EMQX rules to a webhook tier, as EMQX would POST it
    mqtt.py          the traffic published to a real broker (paho-mqtt, the ``mqtt`` extra)
    tier.py          a webhook tier of the demo's own: gunicorn on a loopback port
    summary.py       what the tier answered: counts, reasons, device types, latency

Deterministic: the same FarmConfig (seed and start included) gives the same stream.
"""
from webhooks.tools.simulator.config import NO_FAULTS, FarmConfig, Faults
from webhooks.tools.simulator.stream import Simulation, simulate

__all__ = ["FarmConfig", "Faults", "NO_FAULTS", "Simulation", "simulate"]
