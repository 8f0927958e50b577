"""Applying SLA configurations: validate through the engine, store as a new version."""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from sladesk.engine.config import Config, ConfigError, parse_config

from .models import SlaVersion


def apply(source: str, *, file_name: str = "", comment: str = "", user=None) -> SlaVersion:
    """Validate `source` and store it as the new version in force; raises ConfigError.

    The same text as the version in force is not stored again: it is returned as it is.
    """
    check(source, file_name or "<config>")
    digest = hashlib.sha256(source.encode()).hexdigest()
    with transaction.atomic():
        latest = SlaVersion.objects.select_for_update().order_by("-number").first()
        if latest is not None and latest.sha256 == digest:
            return latest
        return SlaVersion.objects.create(
            number=(latest.number + 1) if latest else 1,
            source=source,
            sha256=digest,
            file_name=file_name,
            comment=comment,
            applied_at=timezone.now(),
            applied_by=user,
        )


def check(source: str, name: str) -> Config:
    """The compiled configuration; raises ConfigError with one line per problem."""
    config = parse_config(source, name)
    if "holiday_files:" in source:
        # A stored version must not depend on files of the machine that applied it.
        raise ConfigError(
            [
                f"{name}: holiday_files cannot be stored in the database; print the days with "
                "`sladesk calendar import FILE` and put them under the calendar's holidays "
                "and workdays, or use holidays_from"
            ]
        )
    return config


def in_force() -> SlaVersion | None:
    """The newest version, which new tickets are measured by."""
    return SlaVersion.objects.order_by("-number").first()


def config_of(version: SlaVersion) -> Config:
    """The compiled configuration of a version (compiled once per process)."""
    return _compiled(version.pk, version.sha256, version.source)


@lru_cache(maxsize=32)
def _compiled(pk: int, sha256: str, source: str) -> Config:
    return parse_config(source, f"SLA v{pk}")


def without_pauses(version: SlaVersion) -> Config:
    """The version with no metric paused: what the clocks would say without requester delays."""
    return _unpaused(version.pk, version.sha256, version.source)


@lru_cache(maxsize=32)
def _unpaused(pk: int, sha256: str, source: str) -> Config:
    config = _compiled(pk, sha256, source)
    policies = tuple(
        dataclasses.replace(
            policy,
            metrics=tuple(dataclasses.replace(m, pause=frozenset()) for m in policy.metrics),
        )
        for policy in config.policies
    )
    return dataclasses.replace(config, policies=policies)
