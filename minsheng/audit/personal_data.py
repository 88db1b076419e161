"""Masking personal data for display: 138****1234, 440606********4512."""


def mask_mobile(value: str) -> str:
    value = value or ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_resident_id(value: str) -> str:
    value = value or ""
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask(kind: str, value: str) -> str:
    if kind == "mobile":
        return mask_mobile(value)
    if kind == "resident_id":
        return mask_resident_id(value)
    raise ValueError(f"unknown kind of personal data: {kind}")
