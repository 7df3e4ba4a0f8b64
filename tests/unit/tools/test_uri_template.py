"""RFC 6570 level-1 templates."""

import pytest

from remotemcp.domain.tools import InvalidDefinition, UriTemplate


def test_matches_and_decodes_variables() -> None:
    template = UriTemplate("test://template/{id}/data")

    assert template.variables == ("id",)
    assert template.match("test://template/42/data") == {"id": "42"}
    assert template.match("test://template/a%20b/data") == {"id": "a b"}
    assert template.match("test://template/42/other") is None
    assert template.match("test://template/4/2/data") is None
    assert template.match("test://template//data") is None


def test_expand_round_trips_through_match() -> None:
    template = UriTemplate("weather://{city}/{day}")
    uri = template.expand({"city": "Нижний Новгород/центр", "day": "mon"})

    assert "/" not in uri.removeprefix("weather://").split("/", 1)[0]
    assert template.match(uri) == {"city": "Нижний Новгород/центр", "day": "mon"}


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("test://{+path}", id="reserved-expansion"),
        pytest.param("test://{a,b}", id="several-variables"),
        pytest.param("test://{id:3}", id="prefix-modifier"),
        pytest.param("test://{?q}", id="query-expansion"),
        pytest.param("test://{id}/{id}", id="repeated"),
        pytest.param("test://{id", id="unbalanced"),
        pytest.param("test://static", id="no-variables"),
        pytest.param("no-scheme/{id}", id="no-scheme"),
    ],
)
def test_only_level_one_templates_are_accepted(template: str) -> None:
    with pytest.raises(InvalidDefinition):
        UriTemplate(template)
