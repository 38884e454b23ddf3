"""A report's chart: labels and series taken from the report's own rows, so the chart can only
show the numbers of the table beside it."""

from decimal import Decimal

from incentives.reports.queries import MONTHS, Report


def _number(value):
    return float(Decimal(value)) if isinstance(value, str) else value


def chart_data(report: Report) -> dict | None:
    spec = report.chart
    if not spec or not report.rows:
        return None
    if spec.get("label") == "months" and report.total is not None:
        # Turnover: months on the axis, the total of every supermarket per month.
        return {
            "type": spec["type"],
            "labels": [str(c.label) for c in report.columns[1:MONTHS + 1]],
            "datasets": [{"label": str(report.columns[-1].label), "data": list(report.total[1:MONTHS + 1])}],
        }
    label = spec["label"]
    return {
        "type": spec["type"],
        "labels": [str(row[label]) for row in report.rows],
        "datasets": [
            {"label": str(report.columns[i].label), "data": [_number(row[i]) for row in report.rows]}
            for i in spec["series"]
        ],
    }
