"""The commands' progress bar (webhooks/cli/progress.py): live on a terminal, one line in a log, silent for JSON."""
import io
import threading

from webhooks.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _count_to(progress, n, total=None):
    with progress:
        for done in range(1, n + 1):
            progress(done, total)


def test_a_log_gets_one_closing_line_and_no_redraws():
    """stderr not a terminal: no bar while counting, then one line with the final count."""
    log = io.StringIO()
    _count_to(Progress("importing", stream=log), 50, total=50)
    assert log.getvalue().startswith("importing [#") and log.getvalue().count("\n") == 1
    assert "50/50 100%" in log.getvalue() and "\r" not in log.getvalue()


def test_json_output_draws_nothing():
    """quiet (the command prints JSON): not a character, on a terminal or off it."""
    for stream in (io.StringIO(), Terminal()):
        _count_to(Progress("importing", quiet=True, stream=stream), 5, total=5)
        assert stream.getvalue() == ""


def test_a_terminal_gets_a_live_bar_redrawn_in_place():
    """On a terminal tqdm redraws the line with carriage returns and ends it at close."""
    term = Terminal()
    _count_to(Progress("sending", total=3, stream=term), 3)
    assert "\r" in term.getvalue() and "sending [" in term.getvalue() and "3/3" in term.getvalue()
    assert term.getvalue().endswith("\n")


def test_nothing_counted_reports_nothing():
    """A command that stops before its first row leaves no progress line behind."""
    log = io.StringIO()
    Progress("importing", stream=log).close()
    assert log.getvalue() == ""


def test_counts_from_many_threads_end_at_the_total():
    """The sender's threads report their running count; the closing line has the last one."""
    log, lock, done = io.StringIO(), threading.Lock(), [0]
    progress = Progress("sending", total=200, stream=log)

    def post():
        for _ in range(50):
            with lock:
                done[0] += 1
                progress(done[0])

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    progress.close()
    assert "200/200 100%" in log.getvalue()


def test_standard_output_is_never_written(capsys):
    """The default stream is stderr; stdout stays the command's result alone."""
    _count_to(Progress("importing"), 2, total=2)
    out, err = capsys.readouterr()
    assert out == "" and "2/2" in err
