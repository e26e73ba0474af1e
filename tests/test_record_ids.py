"""Every route that names a record by number takes 1 to 2**63-1 and answers 404 beyond that:
never a server error from a number too large for the database."""
from __future__ import annotations

import pytest
from support.world import build_world, route_keys, rule_for
from werkzeug.routing import IntegerConverter

from portal.areas import MAX_RECORD_ID, RecordId

HUGE = ["99999999999999999999999", str(MAX_RECORD_ID + 1), "0"]


def numbered_rules(app) -> list[tuple[str, object, list[str]]]:
    """(key, rule, names of its number arguments) for every route with a number in it."""
    found = []
    for key in route_keys(app):
        method, rule = rule_for(app, key)
        numbers = [name for name, converter in rule._converters.items()
                   if isinstance(converter, IntegerConverter)]
        if numbers:
            found.append((key, rule, numbers))
    return found


def test_every_number_in_a_route_is_a_bounded_record_id(app):
    rules = numbered_rules(app)
    assert rules, "no route names a record by number"
    for key, rule, numbers in rules:
        for name in numbers:
            converter = rule._converters[name]
            assert isinstance(converter, RecordId), f"{key}: use <id:{name}>, not <int:{name}>"
            assert (converter.min, converter.max) == (1, MAX_RECORD_ID)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_a_number_beyond_any_record_is_not_found(app, role):
    world = build_world(app)
    client = world.clients[role]
    for key, rule, numbers in numbered_rules(app):
        method = key.split(" ", 1)[0]
        values = {name: world.value(name) for name in rule.arguments if name not in numbers}
        for number in HUGE:
            path = rule.rule
            for name in rule._converters:
                placeholder = next(part for part in path.split("/")
                                   if f":{name}>" in part or part == f"<{name}>")
                path = path.replace(placeholder, number if name in numbers else str(values[name]))
            response = client.open(path, method=method, data={})
            # a number the route cannot take matches no route at all
            assert response.status_code == 404, f"{key} with {number} as {role}"
