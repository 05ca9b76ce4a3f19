"""Settlement exports as xlsx: the monthly individual income tax withholding declaration
(个人所得税扣缴申报) the platform files as withholding agent (扣缴义务人), a worker's annual
statement of payments, and an employer's monthly statement of its settled orders.

Reads only, from the `Withholding` rows the settlement of each order writes (one per order).
Amounts are stored in fen; every amount cell holds yuan as an exact ``Decimal`` with two
decimals (never a float), so a sheet adds up to the fen. The only rounding is the 20 %
expense deduction of labour remuneration (劳务报酬), rounded half up to the fen like the tax
module does; the columns are arranged so that income − expenses − deductions equals the
taxable amount the tax module recorded.

The files are Chinese documents for Chinese authorities and finance departments, so their
labels are Chinese whatever the page language (like the order import template).

By action family: ``withholding`` (the monthly declaration and its amendments),
``statements`` (a worker's annual, an employer's monthly), ``xlsx`` (the shared plumbing).
"""

from .statements import (
    EMPLOYER_COLUMNS,
    MONTH_COLUMNS,
    STATEMENT_COLUMNS,
    employer_monthly_statement_xlsx,
    worker_annual_statement_xlsx,
)
from .withholding import (
    AMENDMENT_COLUMNS,
    DECLARATION_COLUMNS,
    DETAIL_COLUMNS,
    ID_NUMBER_NOTE,
    ID_NUMBER_PENDING,
    ID_TYPE,
    INCOME_ITEMS,
    METHOD_LABELS,
    DeclarationLine,
    declaration_lines,
    withholding_agent_name,
    withholding_declaration_xlsx,
    worker_fee_fen,
)
from .xlsx import NUMBER_FORMATS, XLSX_CONTENT_TYPE, yuan

__all__ = [
    "AMENDMENT_COLUMNS",
    "DECLARATION_COLUMNS",
    "DETAIL_COLUMNS",
    "EMPLOYER_COLUMNS",
    "ID_NUMBER_NOTE",
    "ID_NUMBER_PENDING",
    "ID_TYPE",
    "INCOME_ITEMS",
    "METHOD_LABELS",
    "MONTH_COLUMNS",
    "NUMBER_FORMATS",
    "STATEMENT_COLUMNS",
    "XLSX_CONTENT_TYPE",
    "DeclarationLine",
    "declaration_lines",
    "employer_monthly_statement_xlsx",
    "withholding_agent_name",
    "withholding_declaration_xlsx",
    "worker_annual_statement_xlsx",
    "worker_fee_fen",
    "yuan",
]
