"""Hotspots: many similar appeals about one place and one topic in a short time.

Pure logic, no database. A hotspot is a group of appeals that share a place (the grid, community
or town their region lies in), a category, and say nearly the same thing: the text is compared by
character n-gram TF-IDF vectors and cosine similarity (numpy only, no model to download —
Chinese needs no word segmentation for this, bigrams carry most of the meaning).

Clustering is deliberately simple and explainable: within one place and category, the two groups of
appeals that are on average most similar are merged while that average cosine reaches the threshold
(average-linkage agglomeration; a very large group falls back to single linkage, linear in memory).
The result does not depend on the order the cases arrived in.
Clusters with at least ``min_size`` appeals are hotspots, ranked by size, then by how recent they are.
"""

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# Depth of each place level in a region's materialised path "/city/district/town/community/grid/".
PLACE_DEPTH = {"district": 1, "town": 2, "community": 3, "grid": 4}
DEFAULT_THRESHOLD = 0.15
DEFAULT_MIN_SIZE = 3
AVERAGE_LINKAGE_MAX = 1500  # bigger place/category groups use single linkage (linear memory)
BLOCK = 2048  # rows of the similarity matrix computed at once (memory stays ~ BLOCK × group size)
NGRAM_SIZES = (1, 2)
# Characters that carry no topic: punctuation and the commonest function words of a complaint.
_STOP = "，。、；：？！“”‘’（）《》【】…—,.;:?!()[]<>\"' \t\r\n的了是在有我们你他她它这那就都也还和与及或"
_STOP_RUNS = re.compile("[" + re.escape(_STOP) + "]+")


@dataclass(frozen=True)
class AppealDoc:
    """What clustering needs of one appeal."""

    id: int
    number: str
    region_path: str
    category_id: int
    text: str
    registered_at: dt.datetime


@dataclass
class Hotspot:
    key: str
    place_code: str
    category_id: int
    docs: list[AppealDoc] = field(default_factory=list)
    cohesion: float = 1.0  # mean cosine similarity of the members to their centroid
    terms: list[str] = field(default_factory=list)  # the n-grams that weigh most in the centroid

    @property
    def size(self) -> int:
        return len(self.docs)

    @property
    def appeal_ids(self) -> list[int]:
        return [doc.id for doc in self.docs]

    @property
    def numbers(self) -> list[str]:
        return [doc.number for doc in self.docs]

    @property
    def first_at(self) -> dt.datetime:
        return min(doc.registered_at for doc in self.docs)

    @property
    def last_at(self) -> dt.datetime:
        return max(doc.registered_at for doc in self.docs)


def place_code(region_path: str, level: str) -> str:
    """The code of the region at ``level`` above (or at) the appeal's region; its own code if coarser."""
    codes = [code for code in region_path.split("/") if code]
    depth = PLACE_DEPTH[level]
    return codes[depth] if len(codes) > depth else codes[-1]


def ngrams(text: str, sizes: Sequence[int] = NGRAM_SIZES) -> list[str]:
    """Character n-grams of the text's runs of meaningful characters (a stop character breaks a run)."""
    grams = []
    for run in _STOP_RUNS.split(text.lower()):
        for size in sizes:
            grams.extend(run[i:i + size] for i in range(len(run) - size + 1))
    return grams


def tfidf_matrix(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Row-normalised TF-IDF vectors (smoothed idf, sublinear tf) and the vocabulary."""
    counts = [Counter(ngrams(text)) for text in texts]
    vocabulary = sorted(set().union(*counts))
    index = {gram: i for i, gram in enumerate(vocabulary)}
    sizes = [len(row) for row in counts]
    total = sum(sizes)
    rows = np.repeat(np.arange(len(counts)), sizes)
    columns = np.fromiter((index[gram] for row in counts for gram in row), dtype=np.intp, count=total)
    values = np.fromiter((n for row in counts for n in row.values()), dtype=np.float64, count=total)
    matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float64)
    document_frequency = np.bincount(columns, minlength=len(vocabulary))
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
    matrix[rows, columns] = (1.0 + np.log(values)) * idf[columns]
    return _normalise(matrix), vocabulary


def cosine(a: str, b: str) -> float:
    """Similarity of two texts in the TF-IDF space of just those two (for tests and explanations)."""
    matrix, _ = tfidf_matrix([a, b])
    return float(matrix[0] @ matrix[1])


def cluster(
    docs: Iterable[AppealDoc],
    *,
    level: str = "community",
    threshold: float = DEFAULT_THRESHOLD,
    min_size: int = DEFAULT_MIN_SIZE,
    top_terms: int = 5,
) -> list[Hotspot]:
    """Hotspots among ``docs``, biggest and most recent first."""
    groups: dict[tuple[str, int], list[AppealDoc]] = defaultdict(list)
    for doc in docs:
        groups[(place_code(doc.region_path, level), doc.category_id)].append(doc)
    hotspots = []
    for (place, category_id), members in groups.items():
        if len(members) < min_size:
            continue
        members.sort(key=lambda d: (d.registered_at, d.id))
        matrix, vocabulary = tfidf_matrix([doc.text for doc in members])
        link = _average_linkage if len(members) <= AVERAGE_LINKAGE_MAX else _linked_clusters
        for rows in link(matrix, threshold):
            if len(rows) < min_size:
                continue
            centroid = matrix[rows].mean(axis=0)
            norm = float(np.linalg.norm(centroid))
            cohesion = float((matrix[rows] @ (centroid / norm)).mean()) if norm else 0.0
            top = [i for i in np.argsort(-centroid) if len(vocabulary[i]) > 1 and centroid[i] > 0][:top_terms]
            group_docs = [members[r] for r in rows]
            hotspots.append(Hotspot(
                key=hotspot_key(place, category_id, group_docs[0].id),
                place_code=place,
                category_id=category_id,
                docs=group_docs,
                cohesion=round(cohesion, 3),
                terms=[vocabulary[i] for i in top],
            ))
    hotspots.sort(key=lambda h: (-h.size, -h.last_at.timestamp(), h.key))
    return hotspots


def hotspot_key(place: str, category_id: int, first_appeal_id: int) -> str:
    """Stable while the window slides: the place, the category and the earliest case of the cluster."""
    raw = f"{place}:{category_id}:{first_appeal_id}"
    return f"{place}-{category_id}-{hashlib.sha1(raw.encode()).hexdigest()[:8]}"  # noqa: S324 (a label, not security)


def _average_linkage(matrix: np.ndarray, threshold: float) -> list[list[int]]:
    """Agglomerative clustering, average linkage: merge the two clusters whose members are on average the
    most similar, while that average reaches the threshold. Unlike single linkage, two topics that share
    only a street name do not chain into one. Order-independent. O(n²) memory: big groups go to
    ``_linked_clusters``."""
    n = matrix.shape[0]
    sums = matrix @ matrix.T
    np.fill_diagonal(sums, 0.0)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members = [[i] for i in range(n)]
    while alive.sum() > 1:
        average = sums / np.outer(sizes, sizes)
        average[~alive, :] = -1.0
        average[:, ~alive] = -1.0
        np.fill_diagonal(average, -1.0)
        i, j = divmod(int(average.argmax()), n)
        if average[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        sums[i, :] += sums[j, :]
        sums[:, i] += sums[:, j]
        sums[i, i] = 0.0
        sizes[i] += sizes[j]
        alive[j] = False
        members[i] += members[j]
    return [sorted(members[i]) for i in np.flatnonzero(alive)]


def _linked_clusters(matrix: np.ndarray, threshold: float) -> list[list[int]]:
    """Connected components of "cosine ≥ threshold": the same answer whatever order the cases came in."""
    n = matrix.shape[0]
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, n, BLOCK):
        similarity = matrix[start:start + BLOCK] @ matrix.T
        rows, columns = np.nonzero(similarity >= threshold)
        for i, j in zip((rows + start).tolist(), columns.tolist(), strict=True):
            if i < j:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        clusters[root(i)].append(i)
    return list(clusters.values())


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms
