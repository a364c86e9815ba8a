"""The documented columns of each import, their aliases, and how a header cell finds its column.

Why so tolerant: headers are typed by people in spreadsheets: "E-mail ", "ＥＭＡＩＬ", "電子郵件",
"會員 編號". A header cell is compared after NFKC (full-width letters and digits become ASCII),
lower case, and without spaces, underscores, hyphens and dots, against the column's name and its
aliases (the Traditional and Simplified Chinese words shops use). The README lists them all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


CUSTOMER_COLUMNS = (
    Column("name", ("姓名", "名字", "顧客姓名", "客户姓名", "displayname", "fullname")),
    Column("email", ("電子郵件", "电子邮件", "郵件", "信箱", "電郵", "邮箱", "e-mail", "mail")),
    Column("phone", ("電話", "手機", "手機號碼", "行動電話", "电话", "手机", "手机号码", "mobile", "tel")),
    Column("line_user_id", ("line", "lineid", "lineuserid", "line使用者id", "line用户id")),
    Column("telegram_id", ("telegram", "telegramuserid", "tg")),
    Column("birthday", ("生日", "出生日期", "birthdate", "dateofbirth")),
    Column("birthday_month", ("生日月份", "生日月", "birthmonth")),
    Column("region", ("地區", "地区", "區域", "区域", "縣市", "城市", "city")),
    Column("age_group", ("年齡層", "年龄层", "年齡", "年龄段", "age")),
    Column("language", ("語言", "语言", "lang")),
    Column("interests", ("興趣", "兴趣", "interest")),
    Column("tags", ("標籤", "标签", "tag")),
    Column("member_code", ("會員編號", "會員代碼", "會員卡號", "会员编号", "会员卡号", "membercode", "memberid", "memberno")),
    Column("points", ("點數", "紅利點數", "積分", "点数", "积分", "pointsbalance", "balance")),
    Column("marketing_consent", ("行銷同意", "同意行銷", "营销同意", "同意营销", "consent", "optin")),
    Column("consent_date", ("同意日期", "consentdate", "optindate")),
    Column("consent_source", ("同意來源", "同意来源", "consentsource", "optinsource")),
)

ORDER_COLUMNS = (
    Column("external_id", ("訂單編號", "订单编号", "訂單號碼", "orderid", "orderno", "ordernumber", "id"), required=True),
    Column("email", ("電子郵件", "电子邮件", "信箱", "邮箱", "e-mail", "customeremail")),
    Column("phone", ("電話", "手機", "电话", "手机", "customerphone")),
    Column("member_code", ("會員編號", "会员编号", "membercode", "memberid")),
    Column("placed_at", ("訂單時間", "訂單日期", "下單時間", "日期", "订单时间", "订单日期", "date", "time", "orderdate"),
           required=True),
    Column("amount", ("金額", "總金額", "订单金额", "金额", "总金额", "total"), required=True),
    Column("items", ("商品", "品項", "明細", "商品明细", "products")),
)


def squeeze(text: str) -> str:
    """A header cell as it is compared: NFKC, lower case, no spaces, underscores, hyphens or dots."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-.\ufeff")


@dataclass(frozen=True)
class Mapping:
    index: dict[str, int]  # column name -> position in the file
    unknown: list[str]  # header cells that match no column (reported, ignored)
    repeated: list[str]  # columns named twice (reported; the first is used)


def map_header(header: list[str], columns: tuple[Column, ...]) -> Mapping:
    lookup: dict[str, str] = {}
    for column in columns:
        for word in (column.name, *column.aliases):
            lookup.setdefault(squeeze(word), column.name)
    index: dict[str, int] = {}
    unknown, repeated = [], []
    for position, cell in enumerate(header):
        name = lookup.get(squeeze(cell))
        if name is None:
            if cell.strip():
                unknown.append(cell.strip())
        elif name in index:
            repeated.append(cell.strip())
        else:
            index[name] = position
    return Mapping(index, unknown, repeated)


def template_header(columns: tuple[Column, ...]) -> list[str]:
    return [column.name for column in columns]


def cell_of(cells: list[str], index: dict[str, int], name: str) -> str:
    """The cell of column `name` in a row ("" when the file has no such column or the row is short)."""
    position = index.get(name)
    return cells[position] if position is not None and position < len(cells) else ""


PRODUCT_COLUMNS = (
    Column("sku", ("商品編號", "商品代碼", "品號", "货号", "商品编号", "itemcode", "productcode"), required=True),
    Column("name_zh_tw", ("名稱", "商品名稱", "品名", "name", "namezh-tw", "中文名稱"), required=True),
    Column("name_en", ("英文名稱", "englishname")),
    Column("name_zh_cn", ("简体名称", "名称", "商品名称", "namezh-cn")),
    Column("category", ("分類", "類別", "分类", "类别")),
    Column("price", ("價格", "售價", "定價", "价格", "售价")),
    Column("image_url", ("圖片", "圖片網址", "图片", "image", "imageurl")),
    Column("active", ("上架", "販售中", "上架中", "在售")),
)
