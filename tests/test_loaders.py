from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.catalog.loaders import clean_movielens_title
from chatrec_agent.errors import CatalogError
from chatrec_agent.settings import CatalogSettings

from .conftest import film_records, write_jsonl

ITEMS_CSV = """id,title,year,genres,description,director
1,Fargo,1996,Crime|Thriller,"Snowy murders, a botched kidnapping.",Joel Coen
2,Alien,1979,Horror|Sci-Fi,A creature stalks a space freighter.,Ridley Scott
3,Toy Story,1995,Animation|Children|Comedy,Toys come to life.,John Lasseter
"""
INTERACTIONS_CSV = """user_id,item_id,rating,timestamp
u1,1,5,1700000000
u1,2,3,2024-01-02T10:00:00
u2,3,,1700000100
"""


def csv_settings(tmp_path: Path, items: str = ITEMS_CSV, interactions: str | None = INTERACTIONS_CSV, **kw) -> CatalogSettings:
    (tmp_path / "items.csv").write_text(items, encoding="utf-8")
    inter = None
    if interactions is not None:
        inter = tmp_path / "ratings.csv"
        inter.write_text(interactions, encoding="utf-8")
    return CatalogSettings(format="csv", path=tmp_path / "items.csv", interactions_path=inter, **kw)


def test_csv_catalog_with_interactions(tmp_path):
    catalog = load_catalog(csv_settings(tmp_path))
    assert list(catalog.items) == ["1", "2", "3"]
    fargo = catalog["1"]
    assert fargo.genres == ("Crime", "Thriller") and fargo.year == 1996
    assert fargo.extra == {"director": "Joel Coen"}  # unmapped columns are kept as metadata
    assert "Director: Joel Coen." in fargo.document()
    assert [(i.user_id, i.item_id, i.rating) for i in catalog.interactions] == [
        ("u1", "1", 5.0), ("u1", "2", 3.0), ("u2", "3", None)
    ]
    assert catalog.interactions[1].timestamp > 1_700_000_000  # ISO dates are accepted


def test_column_mapping(tmp_path):
    (tmp_path / "books.csv").write_text("isbn,name,published,subjects\nX1,Dune,1965,Sci-Fi;Adventure\n")
    settings = CatalogSettings(
        format="csv", path=tmp_path / "books.csv", list_separator=";",
        columns={"id": "isbn", "title": "name", "year": "published", "genres": "subjects"},
    )
    item = load_catalog(settings)["X1"]
    assert (item.title, item.year, item.genres) == ("Dune", 1965, ("Sci-Fi", "Adventure"))


def test_jsonl_catalog(tmp_path):
    path = write_jsonl(tmp_path / "items.jsonl", film_records())
    catalog = load_catalog(CatalogSettings(format="jsonl", path=path))
    assert len(catalog) == len(film_records())
    assert catalog["alien"].genres == ("Horror", "Sci-Fi")


@pytest.mark.parametrize(
    "row, message",
    [
        ('4,Heat,1995,Action,"Cops, robbers",Michael Mann,EXTRA', "7 cells, header has 6"),
        ("4,Heat,nineteen,Action,desc,Michael Mann", "bad year 'nineteen'"),
        ("4,,1995,Action,desc,Michael Mann", "missing title"),
        ("2,Heat,1995,Action,desc,Michael Mann", "duplicate item id '2' (first seen on line 3)"),
        ("4,Heat", "2 cells, header has 6"),
    ],
)
def test_bad_item_rows_name_file_and_line(tmp_path, row, message):
    settings = csv_settings(tmp_path, ITEMS_CSV + row + "\n", None)
    with pytest.raises(CatalogError) as info:
        load_catalog(settings)
    assert str(info.value).startswith(f"{tmp_path / 'items.csv'}:5: ")
    assert message in str(info.value)
    assert info.value.line == 5


def test_line_numbers_count_multiline_quoted_cells(tmp_path):
    items = ITEMS_CSV.replace('"Snowy murders, a botched kidnapping."', '"Snowy murders,\na botched kidnapping."')
    settings = csv_settings(tmp_path, items + "4,Heat,1995,Action\n", None)
    with pytest.raises(CatalogError, match=r"items\.csv:6: "):
        load_catalog(settings)


def test_interaction_with_unknown_item_or_bad_rating(tmp_path):
    settings = csv_settings(tmp_path, interactions=INTERACTIONS_CSV + "u3,99,4,1700000200\n")
    with pytest.raises(CatalogError, match=r"ratings\.csv:5: interaction names unknown item '99'"):
        load_catalog(settings)
    settings = csv_settings(tmp_path, interactions=INTERACTIONS_CSV + "u3,1,great,1700000200\n")
    with pytest.raises(CatalogError, match=r"ratings\.csv:5: bad rating 'great'"):
        load_catalog(settings)


def test_skip_mode_counts_bad_rows_and_keeps_the_good_ones(tmp_path):
    items = ITEMS_CSV + "4,,1995,Action,desc,x\n1,Dup,1990,Drama,d,x\n5,Heat,1995,Action,desc,Michael Mann\n"
    settings = csv_settings(tmp_path, items, INTERACTIONS_CSV + "u3,4,4,1\n", on_error="skip")
    catalog = load_catalog(settings)
    assert sorted(catalog.items) == ["1", "2", "3", "5"]
    assert len(catalog.skipped) == 3
    assert any("items.csv:5: missing title" in s for s in catalog.skipped)
    assert any("items.csv:6: duplicate item id '1'" in s for s in catalog.skipped)
    assert any("ratings.csv:5: interaction names unknown item '4'" in s for s in catalog.skipped)
    assert len(catalog.interactions) == 3


def test_invalid_jsonl_line(tmp_path):
    path = write_jsonl(tmp_path / "items.jsonl", film_records()[:2])
    path.write_text(path.read_text() + '{"id": "x", "title": \n')
    with pytest.raises(CatalogError, match=r"items\.jsonl:3: invalid JSON"):
        load_catalog(CatalogSettings(format="jsonl", path=path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CatalogError, match=r"nothere\.csv: file not found"):
        load_catalog(CatalogSettings(format="csv", path=tmp_path / "nothere.csv"))
    with pytest.raises(CatalogError, match="catalog.path is not set"):
        load_catalog(CatalogSettings(format="jsonl"))


# --- MovieLens --------------------------------------------------------------------------

GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
          "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
          "Thriller", "War", "Western"]


def flags(*names: str) -> str:
    return "|".join("1" if g in names else "0" for g in GENRES)


def write_ml100k(folder: Path, extra_item: str = "", extra_data: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)) + "\n", encoding="latin-1")
    kids = "Children's"
    items = (
        f"1|Toy Story (1995)|01-Jan-1995||http://example.org/toy|{flags('Animation', kids, 'Comedy')}\n"
        f"2|Shawshank Redemption, The (1994)|01-Jan-1994||http://example.org/s|{flags('Drama')}\n"
        f"3|Cité des enfants perdus, La (1995)|01-Jan-1995|||{flags('Sci-Fi')}\n"
        f"4|unknown||||{flags('unknown')}\n"
    ) + extra_item
    (folder / "u.item").write_text(items, encoding="latin-1")
    (folder / "u.data").write_text("1\t1\t5\t881250949\n1\t2\t4\t881250950\n2\t3\t1\t881250951\n" + extra_data)
    return folder


def test_movielens_100k(tmp_path):
    catalog = load_catalog(CatalogSettings(format="movielens-100k", path=write_ml100k(tmp_path / "ml")))
    assert len(catalog) == 4
    assert catalog["2"].title == "The Shawshank Redemption" and catalog["2"].year == 1994
    assert catalog["3"].title == "La Cité des enfants perdus"  # latin-1 decoded
    assert catalog["1"].genres == ("Animation", "Children's", "Comedy")
    assert catalog["1"].url == "http://example.org/toy"
    assert catalog["4"].year is None and catalog["4"].genres == ()
    assert [(i.user_id, i.item_id, i.rating) for i in catalog.interactions][0] == ("1", "1", 5.0)


def test_movielens_100k_bad_rows(tmp_path):
    folder = write_ml100k(tmp_path / "a", extra_item="5|Broken (1990)|x\n")
    with pytest.raises(CatalogError, match=r"u\.item:5: 3 fields, expected 24"):
        load_catalog(CatalogSettings(format="movielens-100k", path=folder))
    folder = write_ml100k(tmp_path / "b", extra_data="3\t42\t4\t881250952\n")
    with pytest.raises(CatalogError, match=r"u\.data:4: interaction names unknown item '42'"):
        load_catalog(CatalogSettings(format="movielens-100k", path=folder))
    with pytest.raises(CatalogError, match=r"u\.genre: file not found"):
        load_catalog(CatalogSettings(format="movielens-100k", path=tmp_path / "missing"))


def test_movielens_csv_folds_tags_into_items(tmp_path):
    folder = tmp_path / "ml-latest-small"
    folder.mkdir()
    (folder / "movies.csv").write_text(
        'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children\n'
        '2,"Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)",Action|Western\n'
        "3,Untitled,(no genres listed)\n"
    )
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.5,964982703\n1,2,3.0,964981247\n")
    (folder / "tags.csv").write_text("userId,movieId,tag,timestamp\n1,1,pixar,1\n2,1,Pixar,2\n2,1,toys,3\n")
    catalog = load_catalog(CatalogSettings(format="movielens-csv", path=folder))
    assert catalog["1"].tags == ("pixar", "toys")  # most frequent first, case-folded
    assert "Tags: pixar, toys." in catalog["1"].document()
    assert catalog["2"].year == 1966 and catalog["2"].genres == ("Action", "Western")
    assert catalog["3"].genres == () and catalog["3"].year is None
    assert [i.rating for i in catalog.interactions] == [4.5, 3.0]


@pytest.mark.parametrize(
    "raw, title, year",
    [
        ("Toy Story (1995)", "Toy Story", 1995),
        ("Shawshank Redemption, The (1994)", "The Shawshank Redemption", 1994),
        ("Amityville 1992: It's About Time (1992)", "Amityville 1992: It's About Time", 1992),
        ("unknown", "unknown", None),
        ("Babylon 5 (1994-1998)", "Babylon 5", 1994),
    ],
)
def test_clean_movielens_title(raw, title, year):
    assert clean_movielens_title(raw) == (title, year)


def test_read_interactions_are_held_as_columns_and_read_like_a_list(tmp_path):
    from collections import Counter

    from chatrec_agent.catalog.model import Interaction, Interactions, item_counts
    from chatrec_agent.store.history import HistoryStore

    catalog = load_catalog(csv_settings(tmp_path))
    rows = catalog.interactions
    assert isinstance(rows, Interactions) and len(rows) == 3
    as_list = [Interaction("u1", "1", 5.0, 1700000000), Interaction("u1", "2", 3.0, rows[1].timestamp),
               Interaction("u2", "3", None, 1700000100)]
    assert list(rows) == as_list and rows[-1] == as_list[2] and rows[1:] == as_list[1:]  # no rating stays None
    with pytest.raises(IndexError):
        rows[3]
    assert catalog.users == ["u1", "u2"]
    assert HistoryStore.fingerprint(rows) == HistoryStore.fingerprint(as_list)  # the same digest as before
    many = Interactions(Interaction(f"u{n % 7}", f"i{n % 50}", float(n % 5 + 1), n) for n in range(200_000))
    assert len(many.user_ids) == 7 and many._u.nbytes + many._i.nbytes + many._r.nbytes + many._t.nbytes == 200_000 * 24
    assert many[123_456] == Interaction("u4", "i6", 2.0, 123_456) == many[np.int64(123_456)]
    assert many[10:12] == [Interaction("u3", "i10", 1.0, 10), Interaction("u4", "i11", 2.0, 11)]
    assert list(pickle.loads(pickle.dumps(rows))) == as_list and len(Interactions()) == 0 and list(Interactions()) == []
    # Counted per item from the columns, as a Counter over the rows counts them.
    assert item_counts(many) == Counter(i.item_id for i in many) and item_counts(as_list) == {"1": 1, "2": 1, "3": 1}


POSTERS_CSV = """id,title,year,poster
1,Fargo,1996,https://img.example.com/fargo.jpg
2,Alien,1979,
"""


def test_an_image_column_gives_cards_a_poster_and_is_never_metadata(tmp_path):
    (tmp_path / "items.csv").write_text(POSTERS_CSV)
    catalog = load_catalog(CatalogSettings(format="csv", path=tmp_path / "items.csv", columns={"image_url": "poster"}))
    assert catalog["1"].image_url == "https://img.example.com/fargo.jpg" and catalog["2"].image_url is None
    assert "poster" not in catalog["1"].extra and "img.example" not in catalog["1"].document()  # not embedded
    assert replace(catalog["1"], image_url=None).content_hash() == catalog["1"].content_hash()  # no reindex for a poster


@pytest.mark.parametrize("url, why", [
    ("http://img.example.com/a.jpg", "must be https"),
    ("https://10.1.2.3/a.jpg", "private or reserved address"),
    ("https://[fe80::1]/a.jpg", "private or reserved address"),
    ("https://[::ffff:127.0.0.1]/a.jpg", "private or reserved address"),
    ("https://127.1/a.jpg", "not a public host"),
    ("https://0x7f.1/a.jpg", "not a public host"),
    ("https://2130706433/a.jpg", "not a public host"),
    ("https://%31%32%37.0.0.1/a.jpg", "not a public host"),
    ("https://127.0.0.1\\.example.com/a.jpg", "not a public host"),
    ("https://localhost/a.jpg", "private host name"),
    ("https://nas.local/a.jpg", "private host name"),
    ("https://bob:secret@img.example.com/a.jpg", "no user name or password"),
    ("javascript:alert(1)", "must be https"),
])
def test_a_picture_that_is_not_public_https_is_left_out_and_the_film_kept(tmp_path, caplog, url, why):
    (tmp_path / "items.csv").write_text(POSTERS_CSV + f"3,Heat,1995,{url}\n")
    catalog = load_catalog(CatalogSettings(format="csv", path=tmp_path / "items.csv", columns={"image_url": "poster"}))
    assert catalog["3"].title == "Heat" and catalog["3"].image_url is None
    assert catalog["1"].image_url == "https://img.example.com/fargo.jpg"
    assert f"{tmp_path / 'items.csv'}:4: " in caplog.text and why in caplog.text and "kept without a picture" in caplog.text


def test_many_bad_pictures_are_reported_by_a_sample_and_a_count(tmp_path, caplog):
    rows = "".join(f"{n},Film {n},2000,http://img.example.com/{n}.jpg\n" for n in range(3, 23))
    (tmp_path / "items.csv").write_text(POSTERS_CSV + rows)
    catalog = load_catalog(CatalogSettings(format="csv", path=tmp_path / "items.csv", columns={"image_url": "poster"}))
    assert len(catalog) == 22 and all(catalog[str(n)].image_url is None for n in range(3, 23))
    assert caplog.text.count("kept without a picture") == 5 and "15 more items kept without their picture" in caplog.text
