"""When to send: quiet hours for text messages and the back-off between attempts. Pure functions."""

import datetime as dt


def quiet_hours_end(at: dt.datetime, *, start_hour: int, end_hour: int) -> dt.datetime | None:
    """If ``at`` (aware, in the city's zone) falls in the quiet hours ``[start_hour, end_hour)``, the
    moment they end; otherwise None. The hours may wrap midnight (22 → 8) or not (0 → 7); equal hours
    mean no quiet hours at all.

    The end is a wall-clock time on the right date given the zone again (zoneinfo), so it is 08:00 local
    time even across a change of offset (not in China, but TIME_ZONE is a setting).
    """
    if start_hour == end_hour:
        return None
    hour = at.hour
    wraps = start_hour > end_hour
    inside = (hour >= start_hour or hour < end_hour) if wraps else (start_hour <= hour < end_hour)
    if not inside:
        return None
    day = at.date()
    if wraps and hour >= start_hour:
        day += dt.timedelta(days=1)
    end = dt.datetime.combine(day, dt.time(end_hour))
    return end.replace(tzinfo=at.tzinfo)


def retry_delay(attempt: int, *, base_seconds: int, max_seconds: int) -> dt.timedelta:
    """Exponential back-off after the ``attempt``-th failed attempt (1-based): base, 2×base, 4×base … capped."""
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    return dt.timedelta(seconds=min(max_seconds, base_seconds * 2 ** (attempt - 1)))
