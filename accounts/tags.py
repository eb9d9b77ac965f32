"""Tags: one mechanism for every taggable entity (users, roles, customer managed policies,
OIDC and SAML providers, server certificates, instance profiles).

- **Rules**: :func:`accounts.validators.validate_tags` (at most 50 tags, keys of 1-128 and
  values of 0-256 of IAM's characters, keys unique regardless of case, the ``aws:``
  prefix reserved), with the limits in :mod:`accounts.quotas`.
- **Condition keys** a call carries: :func:`tag_context` (``aws:RequestTag/<key>`` per
  tag and ``aws:TagKeys``), :func:`untag_context` (``aws:TagKeys`` of the removed keys)
  and :func:`resource_tag_context` (the entity's own tags as ``aws:ResourceTag/<key>``,
  and ``iam:ResourceTag/<key>`` for users and roles).
- **Calls** an operation that tags stands for: :func:`create_calls` (``iam:Create<X>``
  with the request's tags *and* ``iam:Tag<X>``, as AWS requires both) and
  :func:`update_calls` (the Manage tags page: ``iam:Tag<X>`` and ``iam:Untag<X>``).
- **Editor**: :class:`TagRowsMixin` gives any form the key/value rows (a wizard step with
  a name and tags, or :class:`TagsForm` alone), rendered by ``includes/_tag_editor.html``.
- **Saving**: :func:`save_tags` (Tag<X>/Untag<X> as one replacement), :func:`tag` and
  :func:`untag` (the API's Tag<X> and Untag<X>: add or replace some, remove some).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms

from iamportal.errors import IAMError

from . import quotas, validators
from .user_forms import IAMFormMixin

Tags = Sequence[tuple[str, str]]
Call = tuple[str, str, dict[str, Any]]

#: The word IAM puts in ``iam:Tag<X>``, ``iam:Untag<X>`` and ``iam:List<X>Tags``, by model.
NOUNS = {"User": "User", "Role": "Role", "ManagedPolicy": "Policy",
         "OpenIDConnectProvider": "OpenIDConnectProvider", "SAMLProvider": "SAMLProvider",
         "ServerCertificate": "ServerCertificate", "InstanceProfile": "InstanceProfile",
         "MFADeviceInfo": "MFADevice"}
#: Entities whose tags IAM also offers as ``iam:ResourceTag/<key>``.
IAM_RESOURCE_TAG_NOUNS = frozenset({"User", "Role"})


def noun(entity: Any) -> str:
    """``"User"``, ``"Role"`` or ``"Policy"``: how IAM's tag actions name ``entity`` (``""``
    for an entity IAM does not tag, such as a group)."""
    return NOUNS.get(type(entity).__name__, "")


def pairs(entity: Any) -> list[tuple[str, str]]:
    """The entity's tags as ``(key, value)`` pairs, in their order."""
    return [(tag["Key"], tag["Value"]) for tag in entity.tag_list]


# ---------------------------------------------------------------------------
# Condition keys


def tag_context(tags: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The keys IAM sets for a request that passes ``tags``: ``aws:RequestTag/<key>`` for
    each tag and, when there are tags, ``aws:TagKeys`` (multivalued)."""
    tags = list(tags)
    context: dict[str, Any] = {f"aws:RequestTag/{key}": value for key, value in tags}
    if tags:
        context["aws:TagKeys"] = [key for key, _ in tags]
    return context


def untag_context(keys: Iterable[str]) -> dict[str, Any]:
    """The keys IAM sets for ``iam:Untag<X>``: ``aws:TagKeys`` = the keys removed."""
    keys = list(keys)
    return {"aws:TagKeys": keys} if keys else {}


def resource_tag_context(entity: Any) -> dict[str, Any]:
    """The existing entity's tags as ``aws:ResourceTag/<key>`` (and, for users and roles,
    ``iam:ResourceTag/<key>``): what every action on the entity carries. Empty for an
    entity IAM does not tag (a group)."""
    if not noun(entity):
        return {}
    iam_too = noun(entity) in IAM_RESOURCE_TAG_NOUNS
    context: dict[str, Any] = {}
    for key, value in pairs(entity):
        context[f"aws:ResourceTag/{key}"] = value
        if iam_too:
            context[f"iam:ResourceTag/{key}"] = value
    return context


# ---------------------------------------------------------------------------
# The calls an operation that tags stands for


def create_calls(kind: str, arn: str, tags: Tags, context: dict[str, Any] | None = None) -> list[Call]:
    """``iam:Create<kind>`` of ``arn`` with ``tags``: the create itself, carrying the request's
    tags (plus ``context``, e.g. ``iam:PermissionsBoundary``), and, when there are tags,
    the ``iam:Tag<kind>`` AWS also requires."""
    requested = tag_context(tags)
    calls: list[Call] = [(f"iam:Create{kind}", arn, {**(context or {}), **requested})]
    if tags:
        calls.append((f"iam:Tag{kind}", arn, requested))
    return calls


def changes(entity: Any, new: Tags) -> tuple[list[tuple[str, str]], list[str]]:
    """What replacing the entity's tags by ``new`` does: the tags added or changed, and
    the keys removed (keys compared regardless of case, as IAM does)."""
    old = {key.lower(): (key, value) for key, value in pairs(entity)}
    new_keys = {key.lower() for key, _ in new}
    changed = [(key, value) for key, value in new if old.get(key.lower()) != (key, value)]
    removed = [key for lowered, (key, _) in old.items() if lowered not in new_keys]
    return changed, removed


def update_calls(entity: Any, new: Tags, context: dict[str, Any] | None = None) -> list[Call]:
    """The calls that replace the entity's tags by ``new``: ``iam:Tag<X>`` with the tags
    added or changed, ``iam:Untag<X>`` with the keys removed; each also carries the
    entity's current tags (:func:`resource_tag_context`) and ``context``."""
    changed, removed = changes(entity, new)
    base = {**(context or {}), **resource_tag_context(entity)}
    kind = noun(entity)
    calls: list[Call] = []
    if changed:
        calls.append((f"iam:Tag{kind}", entity.arn, {**base, **tag_context(changed)}))
    if removed:
        calls.append((f"iam:Untag{kind}", entity.arn, {**base, **untag_context(removed)}))
    return calls


def save_tags(entity: Any, tags: Iterable[tuple[str, str]]) -> None:
    """Tag<X> / Untag<X> as one replacement of the entity's tags (validated by IAM's rules)."""
    entity.tags = validators.validate_tags(tags)
    entity.save(update_fields=["tags"])


def tag(entity: Any, new: Iterable[tuple[str, str]]) -> None:
    """Tag<X>: add ``new`` to the entity's tags, a key it has (whatever the case) taking the
    new value; the request's tags are checked by IAM's rules first, then the result's count."""
    merged = {key.lower(): (key, value) for key, value in pairs(entity)}
    for requested in validators.validate_tags(new):
        merged[requested["Key"].lower()] = (requested["Key"], requested["Value"])
    save_tags(entity, merged.values())


def untag(entity: Any, keys: Iterable[str]) -> None:
    """Untag<X>: remove the tags of ``keys`` (whatever the case); absent keys are no error."""
    removed = {key.lower() for key in keys}
    save_tags(entity, [(key, value) for key, value in pairs(entity) if key.lower() not in removed])


# ---------------------------------------------------------------------------
# The editor


class TagRowsMixin(IAMFormMixin):
    """Key/value rows on any form, validated by IAM's tag rules. Empty rows are ignored;
    ``cleaned_data["tags"]`` is a list of ``(key, value)`` pairs.

    Rows are numbered fields ``key_<n>`` and ``value_<n>``: a bound form has as many rows
    as were posted (up to :attr:`MAX_ROWS`), an unbound one the ``tags`` given plus
    ``extra_rows`` blank rows. "Add new tag" (``add_tag``) and "Remove" (``remove_tag=<n>``)
    re-render the page with the rows changed: see :meth:`edited`.
    """

    MAX_ROWS = 2 * quotas.TAGS_PER_ENTITY

    def __init__(self, *args: Any, tags: Iterable[tuple[str, str]] = (), extra_rows: int = 1,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_tag_rows(list(tags), extra_rows)

    @staticmethod
    def is_row_field(name: str) -> bool:
        return name.startswith(("key_", "value_"))

    def set_tag_rows(self, tags: list[tuple[str, str]], extra_rows: int) -> None:
        """Replace the rows: the posted ones when bound, else ``tags`` plus blank rows."""
        for name in [name for name in self.fields if self.is_row_field(name)]:
            del self.fields[name]
        count = self._posted_rows() if self.is_bound else min(len(tags) + extra_rows, self.MAX_ROWS)
        for index in range(count):
            self.fields[f"key_{index}"] = forms.CharField(
                label="Key", required=False, strip=False,
                widget=forms.TextInput(attrs={"maxlength": quotas.TAG_KEY_MAX}))
            self.fields[f"value_{index}"] = forms.CharField(
                label="Value – optional", required=False, strip=False,
                widget=forms.TextInput(attrs={"maxlength": quotas.TAG_VALUE_MAX}))
            if index < len(tags):
                self.initial[f"key_{index}"], self.initial[f"value_{index}"] = tags[index]

    @classmethod
    def row_index(cls, text: str) -> int | None:
        """The row number ``text`` names, or None: ASCII digits below :attr:`MAX_ROWS` only
        (``"²".isdigit()`` is true, yet ``int("²")`` fails)."""
        if text.isascii() and text.isdigit() and len(text) <= 3 and int(text) < cls.MAX_ROWS:
            return int(text)
        return None

    def _posted_rows(self) -> int:
        marker = self.add_prefix("key_")
        indexes = [self.row_index(name[len(marker):]) for name in self.data if name.startswith(marker)]
        return max((index for index in indexes if index is not None), default=-1) + 1

    @property
    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        count = sum(1 for name in self.fields if name.startswith("key_"))
        return [(index, self[f"key_{index}"], self[f"value_{index}"]) for index in range(count)]

    def posted_tags(self) -> list[tuple[str, str]]:
        """The rows as posted, blank ones included (for re-rendering after add/remove)."""
        return [(self.data.get(key.html_name, ""), self.data.get(value.html_name, ""))
                for _, key, value in self.rows]

    def requested_tags(self) -> list[tuple[str, str]]:
        """The non-blank rows as posted, before validation (for a check made before it)."""
        return [(key, value) for key, value in self.posted_tags() if key or value]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        tags = []
        for _, key, value in self.rows:
            key_text, value_text = data.get(key.name, ""), data.get(value.name, "")
            if key_text or value_text:
                tags.append((key_text, value_text))
        try:
            validators.validate_tags(tags)
        except IAMError as exc:
            self.add_iam_error(None, exc)
        data["tags"] = tags
        return data

    def edited(self, blank: forms.BaseForm) -> forms.BaseForm | None:
        """For a POST of "Add new tag" or "Remove" (not a save): ``blank`` (an unbound form
        of the same kind) showing what was posted, with one row added or removed; else
        None. Nothing is validated, so the page shows no errors for half-typed input."""
        data = self.data
        if "add_tag" not in data and "remove_tag" not in data:
            return None
        tags = self.posted_tags()
        remove = self.row_index(data.get("remove_tag", ""))
        if remove is not None and remove < len(tags):
            del tags[remove]
        blank.initial.update({name: self[name].value() for name in self.fields if not self.is_row_field(name)})
        blank.set_tag_rows(tags, 1 if "add_tag" in data or not tags else 0)
        return blank


class TagsForm(TagRowsMixin, forms.Form):
    """The tags alone: a Manage tags page, the create-user wizard's review step."""
