"""An ensemble's members, each asked every GIA question: the spread of effects over seeds.

A GIA table's CI covers the nulls' sampling for one trained model, not the randomness of
training: models that differ only in their seed can reach the same test r and GIA effects
two or three times apart. A seed ensemble (config ``training.ensemble``) answers with the
mean of its members; its tables also carry each member's own ``importance``
(``member0_importance``, ``member1_importance``, ...), measured on the same nulls and the
same designs, and each member's headline (``member0_headline``, ..., the same on every row,
as a fitted slope is), so a reader sees whether the members agree on a sign and how far
apart their magnitudes are.

Scoring the members separately costs no more forward passes than scoring the ensemble:
:class:`MemberScores` runs one pass that returns every member's scores, and keeps them per
input (a digest of its bytes). An experiment's designs depend on its generator and nulls,
not on predictions, so each member's run of it asks for inputs already scored (and,
for ``pu``/``struct`` models, already folded); any other input is scored when asked.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from rbpgia.encode.structure import SPAN, WINDOW
from rbpgia.errors import InputError
from rbpgia.gia.predictor import Predictor, finite_scores
from rbpgia.gia.stats import STAT_COLUMNS

# Scores kept for reuse, in bytes: far more than one job's experiments ask for (their
# scores are N x members float64), and bounded all the same.
CACHE_BYTES = 256 * 2**20


def member_column(index: int, what: str = "importance") -> str:
    """The table column holding member ``index``'s ``importance`` or ``headline``."""
    return f"member{index}_{what}"


def member_columns(table: pd.DataFrame, what: str = "importance") -> list[str]:
    """``table``'s member columns of one kind, in member order (``[]`` if none)."""
    columns = []
    while member_column(len(columns), what) in table.columns:
        columns.append(member_column(len(columns), what))
    return columns


def digest(onehot: np.ndarray) -> bytes:
    """A key for an input's exact contents (shape, type and bytes)."""
    array = np.ascontiguousarray(onehot)
    key = hashlib.blake2b(digest_size=16)
    key.update(f"{array.dtype.str}{array.shape}".encode())
    key.update(array.data)
    return key.digest()


class MemberScores:
    """Every member's scores of one-hot probes, one forward pass per distinct input.

    Parameters
    ----------
    score_members : callable
        ``score_members(x) -> (N, M)``: each member's score of the model's own input ``x``
        (one-hot, with structure channels for ``pu``/``struct`` models).
    n_members : int
        M, at least 2.
    input_type, threads, window, span
        As for :class:`~rbpgia.gia.predictor.Predictor`: what the members read, the
        processes that fold probes for them and the folding's ViennaRNA W and L.
    """

    def __init__(
        self,
        score_members: Callable[[np.ndarray], np.ndarray],
        n_members: int,
        input_type: str = "seq",
        *,
        threads: int = 1,
        window: int = WINDOW,
        span: int = SPAN,
    ):
        if n_members < 2:
            raise InputError(f"an ensemble has at least 2 members, got {n_members}")
        self.score_members = score_members
        self.n_members = int(n_members)
        self.inputs = Predictor(
            score_members, input_type, threads=threads, window=window, span=span
        )
        self.kept: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.kept_bytes = 0

    def __call__(self, onehot: np.ndarray) -> np.ndarray:
        """Scores ``(N, M)`` float64 of one-hot probes ``(N, L, 4)``, reused where seen."""
        key = digest(onehot)
        if key in self.kept:
            self.kept.move_to_end(key)
            return self.kept[key]
        scores = np.asarray(self.score_members(self.inputs.model_input(onehot)), np.float64)
        if scores.shape != (len(onehot), self.n_members):
            raise InputError(
                f"the members returned scores of shape {scores.shape} for {len(onehot)} "
                f"sequences and {self.n_members} members"
            )
        finite_scores(scores, "the members")
        scores.flags.writeable = False
        self.kept[key] = scores
        self.kept_bytes += scores.nbytes
        while self.kept_bytes > CACHE_BYTES and len(self.kept) > 1:
            _, dropped = self.kept.popitem(last=False)
            self.kept_bytes -= dropped.nbytes
        return scores

    def predictor(self, member: int | None = None) -> Predictor:
        """Member ``member``'s scores as a Predictor, or (None) the members' mean."""
        if member is not None and not 0 <= member < self.n_members:
            raise InputError(f"member {member} of an ensemble of {self.n_members}")
        return MemberPredictor(self, member)

    def predictors(self) -> tuple[Predictor, list[Predictor]]:
        """The ensemble's predictor (the members' mean) and one per member."""
        return self.predictor(), [self.predictor(i) for i in range(self.n_members)]


class MemberPredictor(Predictor):
    """One member's scores (or the members' mean) out of a shared :class:`MemberScores`."""

    def __init__(self, scores: MemberScores, member: int | None):
        inputs = scores.inputs
        super().__init__(
            scores.score_members,
            inputs.input_type,
            threads=inputs.threads,
            window=inputs.window,
            span=inputs.span,
        )
        self.scores = scores
        self.member = member

    def __call__(self, onehot: np.ndarray) -> np.ndarray:
        scores = self.scores(onehot)
        return scores.mean(axis=1) if self.member is None else scores[:, self.member].copy()

    def __repr__(self) -> str:
        which = "mean" if self.member is None else f"member {self.member}"
        return f"MemberPredictor({which} of {self.scores.n_members}, {self.input_type})"


def with_members(
    table: pd.DataFrame,
    member_tables: Sequence[pd.DataFrame],
    headlines: Sequence[float],
    labels: Sequence[str],
) -> pd.DataFrame:
    """``table`` (the ensemble's) with each member's ``importance`` of the same rows and
    each member's headline value (:func:`rbpgia.gia.registry.headline` of its table).

    Rows are matched on the ``labels`` columns (the experiment's, which name a row); a
    row a member's table lacks gets NaN there. The columns go right after the statistics.
    """
    if len(member_tables) != len(headlines):
        raise InputError(f"{len(member_tables)} member tables but {len(headlines)} headlines")
    labels = list(labels)
    keys = pd.MultiIndex.from_frame(table[labels].astype(str))
    columns = {}
    for index, member in enumerate(member_tables):
        importance = pd.Series(
            member["importance"].to_numpy(),
            index=pd.MultiIndex.from_frame(member[labels].astype(str)),
        )
        if not importance.index.is_unique:
            raise InputError(f"member {index}'s table names a row twice")
        columns[member_column(index)] = importance.reindex(keys).to_numpy()
    for index, value in enumerate(headlines):
        columns[member_column(index, "headline")] = np.full(len(table), float(value))
    at = table.columns.get_loc(STAT_COLUMNS[-1]) + 1
    head, tail = table.iloc[:, :at], table.iloc[:, at:]
    return pd.concat([head, pd.DataFrame(columns, index=table.index), tail], axis=1)


def headline_spread(table: pd.DataFrame) -> tuple[float, float]:
    """The smallest and largest member headline of ``table`` (NaN, NaN without members)."""
    columns = member_columns(table, "headline")
    if not columns or table.empty:
        return float("nan"), float("nan")
    values = table[columns].iloc[0].to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan"), float("nan")
    return float(values.min()), float(values.max())
