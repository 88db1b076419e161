"""Hotspots: many similar appeals about one place and one topic in a short time.

Pure logic, no database. A hotspot is a group of appeals that share a place (the grid, community
or town their region lies in), a category, and say nearly the same thing: the text is compared by
character n-gram TF-IDF vectors and cosine similarity (numpy only, no model to download —
Chinese needs no word segmentation for this, bigrams carry most of the meaning).

Clustering is deliberately simple and explainable: within one place and category, an appeal joins
the cluster whose centroid it resembles most (cosine ≥ threshold), else starts its own; then clusters
whose centroids resemble each other are merged, so the order cases arrived in does not matter much.
Clusters with at least ``min_size`` appeals are hotspots, ranked by size, then by how recent they are.
"""

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# Depth of each place level in a region's materialised path "/city/district/town/community/grid/".
PLACE_DEPTH = {"district": 1, "town": 2, "community": 3, "grid": 4}
DEFAULT_THRESHOLD = 0.2
DEFAULT_MIN_SIZE = 3
NGRAM_SIZES = (1, 2)
# Characters that carry no topic: punctuation and the commonest function words of a complaint.
_STOP = set("，。、；：？！“”‘’（）《》【】…—,.;:?!()[]<>\"' \t\r\n的了是在有我们你他她它这那就都也还和与及或")


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
    runs, current = [], []
    for char in text.lower():
        if char in _STOP:
            if current:
                runs.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        runs.append("".join(current))
    grams = []
    for run in runs:
        for size in sizes:
            grams.extend(run[i:i + size] for i in range(len(run) - size + 1))
    return grams


def tfidf_matrix(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Row-normalised TF-IDF vectors (smoothed idf, sublinear tf) and the vocabulary."""
    counts = [_count(ngrams(text)) for text in texts]
    vocabulary = sorted({gram for row in counts for gram in row})
    index = {gram: i for i, gram in enumerate(vocabulary)}
    matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float64)
    for row, row_counts in enumerate(counts):
        for gram, count in row_counts.items():
            matrix[row, index[gram]] = 1.0 + math.log(count)
    document_frequency = (matrix > 0).sum(axis=0)
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
    matrix *= idf
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
        for rows in _merge_close(matrix, _greedy_clusters(matrix, threshold), threshold):
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


def _greedy_clusters(matrix: np.ndarray, threshold: float) -> list[list[int]]:
    """Single pass, in time order: join the most similar centroid if similar enough, else start anew."""
    clusters: list[list[int]] = []
    sums: list[np.ndarray] = []
    for row in range(matrix.shape[0]):
        vector = matrix[row]
        best, best_score = -1, threshold
        for i, total in enumerate(sums):
            norm = np.linalg.norm(total)
            score = float(vector @ total / norm) if norm else 0.0
            if score >= best_score:
                best, best_score = i, score
        if best < 0:
            clusters.append([row])
            sums.append(vector.copy())
        else:
            clusters[best].append(row)
            sums[best] += vector
    return clusters


def _merge_close(matrix: np.ndarray, clusters: list[list[int]], threshold: float) -> list[list[int]]:
    """Undo the single pass's dependence on order: merge clusters whose centroids are similar enough."""
    clusters = [list(c) for c in clusters]
    while len(clusters) > 1:
        centroids = _normalise(np.vstack([matrix[rows].sum(axis=0) for rows in clusters]))
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1.0)
        i, j = divmod(int(similarity.argmax()), len(clusters))
        if similarity[i, j] < threshold:
            break
        clusters[i] = sorted(clusters[i] + clusters[j])
        del clusters[j]
    return clusters


def _count(grams: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for gram in grams:
        counts[gram] += 1
    return counts


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms
