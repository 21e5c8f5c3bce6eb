"""Tenant administration models (the Go SDK's ``user`` service): accounts, departments, the
tenant. Names are localised maps (``{"default": "...", "en_us": "..."}``); keys are the
platform's ``*_meego_key`` strings."""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = ["Account", "Department", "DepartmentSummary", "Tenant"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class Account(MeegleModel):
    """An account of the tenant."""

    user_meego_key: str
    tenant_meego_key: str | None = None
    name: dict[str, str] | None = None
    external_ids: dict[str, str] | None = None
    login_platform_type: str | None = None
    status: str | None = None
    avatar_url: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class DepartmentSummary(MeegleModel):
    """A department as others list it (parent, children)."""

    department_meego_key: str
    name: dict[str, str] | None = None
    external_ids: dict[str, str] | None = None
    org_level: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Department(MeegleModel):
    """A department with what ``scopes`` asked for: parent, children, employees."""

    department_meego_key: str
    name: dict[str, str] | None = None
    external_ids: dict[str, str] | None = None
    org_level: str | None = None
    parent: DepartmentSummary | None = None
    all_children: list[DepartmentSummary] | None = None
    direct_employees: list[Account] | None = None
    all_employees: list[Account] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Tenant(MeegleModel):
    """The tenant, with its departments and accounts when ``scopes`` asked for them."""

    tenant_meego_key: str | None = None
    name: str | None = None
    external_ids: dict[str, str] | None = None
    icon: str | None = None
    status: str | None = None
    platform_type: str | None = None
    departments: list[Department] | None = None
    accounts: list[Account] | None = None
