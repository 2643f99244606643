"""einsum cases shared by numpy, torch, tf and keras.ops: (subscripts, operand shapes, dtype)
tuples covering every form of SEMANTICS.md §2, and the error cases of §2.8 and §11.5."""

OPERAND_NAMES = "abcdefgh"

# Shapes that name the label sizes of the optimize/path tests (SEMANTICS.md §11.5).
_SIZES = {"a": 2, "b": 3, "c": 4, "d": 5, "e": 4, "f": 3, "g": 2, "h": 6, "i": 5, "j": 4}


def _sized(subscripts):
    terms = subscripts.split("->")[0].split(",")
    return [tuple(_SIZES[label] for label in term) for term in terms]


# Plain labels: implicit and explicit output, transposes, sums, products, 3+ operands, case.
PLAIN = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jh", [(2, 3), (3, 4)]),
    ("Ab,bC", [(2, 3), (3, 4)]),
    ("ba,a", [(3, 4), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("i->", [(5,)]),
    ("ij->j", [(3, 4)]),
    ("ij->i", [(3, 4)]),
    ("i,i", [(4,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("i,j->ji", [(3,), (4,)]),
    ("ij,ij", [(2, 3), (2, 3)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ji->", [(2, 3), (3, 2)]),
    ("i,i,i->i", [(4,), (4,), (4,)]),
    ("i,i->i", [(4,), (4,)]),
    ("ij,j", [(3, 4), (4,)]),
    ("ji,j", [(4, 3), (4,)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ijk,jil->kl", [(3, 2, 4), (2, 3, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("bik,bjk->bij", [(2, 3, 4), (2, 3, 4)]),
    ("ijk,jkl->li", [(2, 3, 4), (3, 4, 5)]),
    ("ijk,jkl->lij", [(2, 3, 4), (3, 4, 5)]),
    ("ij,jk->ikj", [(2, 3), (3, 4)]),
    ("abc,cba", [(2, 3, 4), (4, 3, 2)]),
    ("ab,ba", [(2, 3), (3, 2)]),
    ("aB,Ba->aB", [(2, 3), (3, 2)]),
    ("Ij,jI", [(2, 3), (3, 2)]),
    ("zY,Yz->Yz", [(2, 3), (3, 2)]),
    ("btf,bf->bt", [(2, 3, 4), (2, 4)]),
    ("bid,d,bjd->bij", [(2, 3, 4), (4,), (2, 2, 4)]),
    ("bid,de,bje->bij", [(2, 3, 4), (4, 5), (2, 2, 5)]),
    ("pqi,qpj->ij", [(3, 4, 5), (4, 3, 2)]),
]
for _subscripts in [
    "a,ab,abc->abc",
    "ea,fb,gc,hd,abcd->efgh",
    "ab,ab,c->",
    "ab,cd,ef->abcdef",
    "dd,fb,be,cdb->cef",
    "abcd,ad",
    "aab,fa,df,ecc->bde",
    "bb,ff,be->e",
]:
    PLAIN.append((_subscripts, _sized(_subscripts)))

# Repeated labels inside one operand: diagonals and traces.
DIAGONAL = [
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("jii->ij", [(3, 2, 2)]),
    ("iii->i", [(2, 2, 2)]),
    ("iii", [(3, 3, 3)]),
    ("ijij->", [(2, 3, 2, 3)]),
    ("ijij->ij", [(2, 3, 2, 3)]),
    ("bbcdc->d", [(2, 2, 3, 4, 3)]),
    ("aabb->ab", [(2, 2, 3, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,jj->i", [(2, 3), (3, 3)]),
]

# 0-d operands.
SCALARS = [
    ("", [()]),
    (",->", [(), ()]),
    (",ij", [(), (2, 3)]),
    (",i->", [(), (4,)]),
    ("i,->i", [(4,), ()]),
    ("i,->", [(4,), ()]),
]

# Ellipsis: placement, implicit order (broadcast dims first), broadcasting across operands.
ELLIPSIS = [
    ("...", [(2, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ii...->...i", [(3, 3, 2)]),
    ("...ii->i...", [(2, 3, 3)]),
    ("ii...->i...", [(3, 3, 2)]),
    ("i...i->i...", [(3, 2, 3)]),
    ("i...i", [(3, 2, 4, 3)]),
    ("...i->...", [(2, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("...,...", [(2, 3), (2, 3)]),
    ("...,...", [(), ()]),
    ("...i,...i", [(2, 3), (2, 3)]),
    ("i...,i...", [(3, 2), (3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    ("...ij,...jk", [(4, 2, 3), (4, 3, 2)]),
    ("ij...,j...->ij...", [(2, 3, 4), (3,)]),
    ("ij...,...j->ij...", [(2, 3, 4), (4, 3)]),
    ("ij...,j->ij...", [(2, 3, 4), (3,)]),
    ("ik...,k...->i...", [(4, 3), (3, 2)]),
    ("ik...,...kj->i...j", [(4, 3), (3, 2)]),
    ("...k,kj", [(4, 3), (3, 2)]),
    ("ik,k...->i...", [(4, 3), (3, 2)]),
    ("...kl,k...", [(2, 3, 4, 5), (4,)]),
    ("...kl,k", [(2, 3, 4, 5), (4,)]),
    ("i...,...j", [(2, 3, 4), (3, 4, 5)]),
    ("i...,...j->i...j", [(2, 3, 4), (3, 4, 5)]),
    ("...,...j->...j", [(2, 3, 4), (3, 4, 5)]),
    ("i...,...j,...k", [(2, 3, 4), (3, 4, 5), (1, 1, 1, 9)]),
    ("mij,ijk,...", [(2, 3, 4), (3, 4, 5), (1, 1, 1, 9)]),
    ("...lmn,lmno->...o", [(1, 2, 3, 2, 4), (3, 2, 4, 3)]),
    ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 5)]),
    ("...ij,j...->i...", [(4, 2, 3), (3, 4)]),
]

# Labelled dimensions of extent 1 broadcasting against a larger extent (literal 0).
SIZE_ONE = [
    ("i,i", [(2,), (1,)]),
    ("ij,ij->j", [(10, 2), (1, 2)]),
    ("ijp,ipq,ikq->ijk", [(3, 1, 1), (3, 1, 3), (1, 3, 3)]),
    ("cacc,bcb->", [(1, 1, 1, 1), (1, 4, 1)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("ij,jk", [(2, 3), (1, 4)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
    ("ij...,j...->i...", [(1, 2), (2, 2, 1)]),
    ("...ij,...jk->...ik", [(1, 5), (5, 5)]),
    ("i, i", [(2,), (1,)]),
]

# Spaces between labels (SEMANTICS.md §2.2 rule 2).
SPACES = [
    ("ij, jk->ik", [(2, 3), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    ("...a ->...a", [(2, 3)]),
    ("i j->i", [(2, 3)]),
    (" ...a->... a", [(2, 3)]),
]

ALL_VALUES = PLAIN + DIAGONAL + SCALARS + ELLIPSIS + SIZE_ONE + SPACES

# Strings and shapes every einsum refuses (SEMANTICS.md §2.8, §11.5).
ERRORS = [
    ("ij,jk", [(2, 3), (4, 5)]),
    ("ii", [(2, 3)]),
    ("ii->i", [(2, 3)]),
    ("i%...", [(2, 3)]),
    ("...j$", [(2, 3)]),
    ("i->&", [(2,)]),
    ("i->ij", [(2,)]),
    ("ij->jij", [(2, 2)]),
    ("i", [(2, 3)]),
    ("ij", [(2,)]),
    ("...i", [()]),
    ("i...j", [(2,)]),
    ("i..", [(2, 2)]),
    (".i...", [(2, 2)]),
    ("j->..j", [(2,)]),
    ("j->.j...", [(2,)]),
    ("ij,jk", [(2, 3)]),
    ("ij", [(2, 3), (3, 4)]),
    ("", [(2,)]),
    ("aabcb,abc", [(3, 3, 4, 5, 6), (3, 4, 5)]),
    ("...ij,...jk", [(5, 2, 2, 3), (4, 3, 2)]),
    ("ij,ij->j", [(10, 2), (3, 2)]),
    ("i,i", [(2,), (3,)]),
    ("ij-", [(2, 3)]),
    ("ij->i->j", [(2, 3)]),
    ("ij- >i", [(2, 3)]),
    (". ..i", [(2, 3)]),
    ("ij,jk->ik", [(2, 3), (3, 4, 5)]),
    ("ij,jk->ik", [(2, 3, 4), (3, 4)]),
    ("ii->ii", [(3, 3)]),
    ("i1", [(2, 3)]),
]

# Accepted by torch (summed) but refused by numpy's C implementation (SEMANTICS.md §2.4).
ELLIPSIS_SUMMED = [
    ("...ij,...jk->ik", [(5, 2, 3), (5, 3, 4)]),
    ("...i->i", [(2, 3)]),
]
