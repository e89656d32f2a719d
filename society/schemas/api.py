"""Schemas every public API endpoint shares: problem details, paging."""
from marshmallow import INCLUDE, Schema, fields, validate

from . import limits
from .base import StrictSchema

MAX_PER_PAGE = 100


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every API error is answered (extension members allowed)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "A URI for the problem type; `about:blank` when the status says it all."})
    title = fields.String(required=True, metadata={"description": "Short summary of the problem type."})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong with this request."})
    instance = fields.String(metadata={"description": "The path that was asked for."})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Validation errors field by field: each field (query parameter) maps to its messages."},
    )


class PageQuerySchema(StrictSchema):
    """``page`` and ``per_page`` for a paged list; unknown parameters are refused."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=limits.MAX_PAGE),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"Items per page, at most {MAX_PER_PAGE}."})


class PaginationSchema(StrictSchema):
    """Where a page sits in the list; the same object is sent in the X-Pagination header."""

    total = fields.Integer(required=True, metadata={"description": "Items matching the query, on all pages."})
    total_pages = fields.Integer(required=True)
    first_page = fields.Integer(required=True)
    last_page = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    previous_page = fields.Integer(allow_none=True, required=True)
    next_page = fields.Integer(allow_none=True, required=True)
