"""Turning refusals into 4xx answers with a clear Chinese message (English when chosen)."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ledger import errors as ledger_errors
from redeem.errors import RedeemError

# One message per refusal the ledger can raise; the status says whose fault it is.
LEDGER_MESSAGES = {
    ledger_errors.InsufficientBalance: (409, _l("积分余额不足，本次操作未执行。")),
    ledger_errors.IdempotencyConflict: (409, _l("该请求编号已用于另一笔不同的记账，本次操作未执行。")),
    ledger_errors.AlreadyReversed: (409, _l("这笔记录已经冲正过，不能重复冲正。")),
    ledger_errors.NotReversible: (409, _l("冲正记录不能再次冲正，请另行记账。")),
    ledger_errors.UnknownAccount: (404, _l("找不到该积分账户。")),
    ledger_errors.UnknownEntry: (404, _l("找不到该积分记录。")),
    ledger_errors.UnitMismatch: (400, _l("积分和服务时长不能互相转换。")),
    ledger_errors.InvalidPosting: (400, _l("记账内容不完整或数额无效。")),
    ledger_errors.AppendOnlyViolation: (409, _l("积分记录只能追加，不能修改或删除。")),
}

HTTP_MESSAGES = {
    400: _l("请求有误，请检查后重试。"),
    403: _l("您没有权限执行此操作。"),
    404: _l("页面不存在。"),
    405: _l("不支持此操作。"),
    409: _l("操作冲突，请刷新后重试。"),
    413: _l("上传的文件太大。"),
    429: _l("操作太频繁，请稍后再试。"),
    500: _l("系统出错了，请稍后再试。我们已记录此问题。"),
}


class ServiceError(Exception):
    """A refusal by one of the app's services; its message is shown to the user as it is."""

    status = 400

    def __init__(self, message, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        if status is not None:
            self.status = status


def form_status(form) -> int:
    """400 for a submitted form that did not validate (it is shown again with its errors)."""
    return 400 if form.is_submitted() else 200


def register(app: Flask) -> None:
    app.register_error_handler(ledger_errors.LedgerError, _ledger_error)
    app.register_error_handler(ServiceError, lambda exc: render_error(exc.status, exc.message))
    app.register_error_handler(RedeemError, _redeem_error)
    app.register_error_handler(HTTPException, _http_error)


def render_error(status: int, message) -> tuple:
    """An error answer in the form the client asked for: JSON for API calls, else a page."""
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(error=str(message), status=status), status
    return render_template("errors/error.html", status=status, message=message), status


def _ledger_error(exc: ledger_errors.LedgerError):
    for cls in type(exc).__mro__:
        if cls in LEDGER_MESSAGES:
            status, message = LEDGER_MESSAGES[cls]
            return render_error(status, message)
    return render_error(400, HTTP_MESSAGES[400])


def _redeem_error(exc: RedeemError):
    from incentives.redeem_messages import message_for

    return render_error(exc.status, message_for(exc))


def _http_error(exc: HTTPException):
    status = exc.code or 500
    return render_error(status, HTTP_MESSAGES.get(status, exc.description))
