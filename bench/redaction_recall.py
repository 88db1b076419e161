"""How much personal data survives ``minsheng.audit.personal_data.redact`` on real citizen messages.

    .venv/bin/python bench/redaction_recall.py [--data ../shared/data/messages] [--seed 7] [--sample 30]

Reads the real messages in ``../shared/data/messages/`` (see its README; the files are not part of the
repository) and skips cleanly when they are absent. Three measures:

1. Planted recall: into each real message, at a random sentence boundary, it plants one item of each
   kind — mobile, landline, resident ID (valid check digit), bank card, e-mail, plate, house number,
   personal name — in a carrier phrase people write ("我的电话是…", "住在…", "联系人…") and, for
   numbers, also bare. Recall = planted values no longer present after redaction / planted.
2. Independent patterns on the real text as it is: looser patterns written separately from the
   redactor (any run of 7+ digits, a number followed by 号/栋/室/单元/楼/层, a surname and 1–2
   characters before 先生/女士, an @) — how many are found before redaction and survive it.
3. Over-redaction: on the real text without planting, how many redactions of each kind are made
   per 1,000 messages, and a random sample of them in context to judge by eye.
"""

import argparse
import csv
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILES = {
    "messages_with_replies_2816.csv": ("留言详情", "答复意见"),
    "messages_with_votes_4254.csv": ("留言详情",),
    "labelled_sample_495.csv": ("留言详情",),
}


def load_texts(folder: Path) -> list[str]:
    texts = []
    for name, columns in FILES.items():
        path = folder / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                for column in columns:
                    text = (row.get(column) or "").strip()
                    if text:
                        texts.append(text)
    return texts


# --- planted values ----------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
GIVEN = "建国伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅飞志红文辉海燕"
ROADS = ["人民路", "祖庙路", "季华五路", "汾江中路", "东平路", "岭南大道", "新城路", "朝安南路"]
AREA_CODES = ["0757", "020", "0731", "0735", "010"]
PROVINCES = "粤湘京沪川鄂桂赣闽浙"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(rng: random.Random) -> str:
    body = f"{rng.choice(['440604', '440606', '430102', '110101'])}{rng.randint(1950, 2005)}"
    body += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


def mobile(rng: random.Random) -> str:
    digits = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
    style = rng.randrange(4)
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style == 3:
        return f"+86{digits}"
    return digits


def landline(rng: random.Random) -> str:
    area, number = rng.choice(AREA_CODES), f"{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
    return rng.choice([f"{area}-{number}", f"{area}{number}", f"({area}){number}"])


def bank_card(rng: random.Random) -> str:
    digits = f"62{rng.randint(0, 10**17 - 1):017d}"[: rng.choice([16, 19])]
    return digits if rng.random() < 0.5 else " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def email(rng: random.Random) -> str:
    user = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(5, 10)))
    return f"{user}@{rng.choice(['qq.com', '163.com', 'foshan.gov.cn', 'gmail.com'])}"


def plate(rng: random.Random) -> str:
    tail = "".join(rng.choice(PLATE_LETTERS[:8] + "0123456789") for _ in range(5))
    return f"{rng.choice(PROVINCES)}{rng.choice(PLATE_LETTERS)}{rng.choice(['', '·'])}{tail}"


def house(rng: random.Random) -> tuple[str, list[str]]:
    """An address with a house number; the parts that must go."""
    number, block, room = rng.randint(1, 399), rng.randint(1, 30), f"{rng.randint(1, 32)}{rng.randint(1, 6):02d}"
    form = rng.randrange(3)
    if form == 0:
        return f"{rng.choice(ROADS)}{number}号", [f"{number}号"]
    if form == 1:
        return f"{rng.choice(ROADS)}{number}号{block}栋{room}室", [f"{number}号", f"{block}栋", f"{room}室"]
    return f"{rng.choice(ROADS)}某小区{block}-{room}", [f"{block}-{room}"]


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


CARRIERS = {
    "mobile": ["我的电话是{}", "联系电话：{}", "手机{}", "{}"],
    "landline": ["座机{}", "请拨打{}", "{}"],
    "resident_id": ["身份证号{}", "身份证：{}", "{}"],
    "bank_card": ["银行卡号{}", "账号：{}", "{}"],
    "email": ["邮箱{}", "请回复到{}"],
    "plate": ["车牌{}的车辆长期占道", "{}"],
    "house": ["我家住在{}", "地址：{}"],
    "name": ["我叫{}", "联系人：{}", "本人{}", "{}先生反映", "{}女士", "{}反映", "据{}说", "和{}一起"],
}


def plant(text: str, rng: random.Random) -> tuple[str, list[tuple[str, str, str]]]:
    """``text`` with one item of each kind inserted at sentence boundaries; (kind, carrier, value) planted."""
    pieces = re.split(r"(?<=[。！？；\n])", text)
    planted = []
    for kind, carriers in CARRIERS.items():
        carrier = rng.choice(carriers)
        if kind == "house":
            value, must_go = house(rng)
        else:
            value = {"mobile": mobile, "landline": landline, "resident_id": resident_id, "bank_card": bank_card,
                     "email": email, "plate": plate, "name": name}[kind](rng)
            must_go = [value]
        phrase = carrier.format(value) + "。"
        pieces.insert(rng.randrange(len(pieces) + 1), phrase)
        planted.extend((kind, carrier, part) for part in must_go)
    return "".join(pieces), planted


# --- independent patterns ------------------------------------------------------------------------

INDEPENDENT = {
    "7+ digits (phone, ID, card)": re.compile(r"\d[\d\s\-]{5,}\d"),
    "number + 号/栋/室/单元/楼/层": re.compile(r"\d+\s*(?:号|栋|幢|室|单元|楼|层)"),
    "surname + name + 先生/女士": re.compile(rf"[{SURNAMES}](?!某)[\u4e00-\u9fa5]{{1,2}}(?:先生|女士)"),
    "e-mail (@)": re.compile(r"\S+@\S+\.\w+"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "messages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=30)
    args = parser.parse_args()
    texts = load_texts(args.data)
    if not texts:
        print(f"no messages under {args.data}: nothing to measure (the data is not part of the repository)")
        return 0

    from minsheng.audit.personal_data import redact

    rng = random.Random(args.seed)
    print(f"{len(texts)} real texts (messages and official replies) from {args.data}")

    # 1. planted recall
    planted_n, survived = Counter(), Counter()
    carrier_n, carrier_survived = Counter(), Counter()
    misses: dict[str, list[str]] = {}
    for text in texts:
        planted_text, planted = plant(text, rng)
        redacted = redact(planted_text)
        for kind, carrier, value in planted:
            planted_n[kind] += 1
            carrier_n[(kind, carrier)] += 1
            if value in redacted:
                survived[kind] += 1
                carrier_survived[(kind, carrier)] += 1
                misses.setdefault(kind, []).append(value)
    print("\n1. planted values: recall = removed / planted")
    print(f"{'kind':<12} {'planted':>8} {'survived':>9} {'recall':>8}")
    for kind in CARRIERS:
        n, s = planted_n[kind], survived[kind]
        print(f"{kind:<12} {n:>8} {s:>9} {1 - s / n:>8.2%}")
    total_n, total_s = sum(planted_n.values()), sum(survived.values())
    print(f"{'all':<12} {total_n:>8} {total_s:>9} {1 - total_s / total_n:>8.2%}")
    print("   by carrier phrase (only those with survivors):")
    for (kind, carrier), n in sorted(carrier_n.items()):
        if carrier_survived[(kind, carrier)]:
            print(f"   {kind:<12} {carrier!r:<16} {1 - carrier_survived[(kind, carrier)] / n:>8.2%} of {n}")
    for kind, values in misses.items():
        print(f"   e.g. missed {kind}: {', '.join(values[:5])}")

    # 2. independent patterns on the text as it is
    redacted_texts = [redact(t) for t in texts]
    print("\n2. independent patterns on the real text: found before redaction, surviving after")
    for label, pattern in INDEPENDENT.items():
        before = sum(len(pattern.findall(t)) for t in texts)
        survivors = [(m.group(0), r[max(0, m.start() - 10) : m.end() + 6].replace("\n", " "))
                     for r in redacted_texts for m in pattern.finditer(r)]
        after_matches = [value for value, _context in survivors]
        print(f"   {label:<32} found {before:>6}  surviving {len(after_matches):>6}"
              f"  ({(1 - len(after_matches) / before) if before else 1:.2%} removed)")
        for _value, context in rng.sample(survivors, min(args.sample // 3, len(survivors))):
            print(f"      …{context}…")

    # 3. what redaction removes from unplanted real text
    marks = {"[电话]": "phone", "[身份证号]": "resident_id", "[卡号]": "bank_card", "[邮箱]": "email",
             "[车牌]": "plate", "××号": "house", "某": "name (surname + 某)"}
    made, examples = Counter(), []
    for text, redacted in zip(texts, redacted_texts, strict=True):
        if redacted == text:
            continue
        for mark, kind in marks.items():
            count = redacted.count(mark) - text.count(mark)
            if count > 0:
                made[kind] += count
                i = redacted.find(mark)
                examples.append((kind, redacted[max(0, i - 12) : i + len(mark) + 8].replace("\n", " ")))
    print(f"\n3. redactions made in the {len(texts)} unplanted texts (per 1,000 texts)")
    for kind, count in made.most_common():
        print(f"   {kind:<24} {count:>6}  ({count * 1000 / len(texts):.1f})")
    print(f"   a random sample of {args.sample} to judge by eye:")
    for kind, snippet in rng.sample(examples, min(args.sample, len(examples))):
        print(f"   [{kind}] …{snippet}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
