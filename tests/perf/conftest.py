"""Benchmarks print one table of every figure at the end of `make bench`."""

from tests.perf.results import table


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    terminalreporter.write_sep("=", "benchmarks (value beside the floor measured in this run)")
    terminalreporter.write_line(table())
