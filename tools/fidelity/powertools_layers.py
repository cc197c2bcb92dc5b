"""Which Powertools for AWS Lambda (Python) release each public v3 layer version holds.

The deployed functions import Powertools from its public layer (`powertoolsLayerVersion`);
the tests import the release pinned in requirements-dev.txt. Lambda numbers a layer's
versions 1, 2, 3, ... and nothing in the ARN names the release inside, so this table
records it, each row with the Powertools maintainers' statement it comes from. A stack
whose layer is missing from the table, or holds another release than the pinned one,
fails `tests/tools/fidelity/test_powertools_layers.py`. Beside it: the modules the handlers
import but do not package, each with the statement that Lambda provides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tools.repository import REPO_ROOT

POWERTOOLS_PACKAGE = "aws-lambda-powertools"
PINNED_REQUIREMENTS = REPO_ROOT / "requirements-dev.txt"
LAYER_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:017000801446:layer:"
    r"AWSLambdaPowertoolsPythonV3-python\d+-(?:x86_64|arm64):(?P<version>\d+)$"
)
# A requirements line: the project name, its extras, then its version specifiers.
REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?(?P<specifiers>.*)$"
)
EXACT_PIN = re.compile(r"==(?P<release>\d+(?:\.\d+)*)")
LAYER_DOCS_PULLS = "https://github.com/aws-powertools/powertools-lambda-python/pull/"
LAYER_ISSUES = "https://github.com/aws-powertools/powertools-lambda-python/issues/"


@dataclass(frozen=True)
class LayerRelease:
    layer_version: int
    release: str
    source: str
    """Where the maintainers say this layer version holds this release."""


# Each row comes from a statement on the Powertools repository that names both numbers: a
# maintainer's "docs(layer): update layer version number" pull request ("the version vX was
# released now and it creates the layer version N"), or, for 27, issue 7689, fixed by the
# maintainers in pull request 7695: 3.23.0's SSM parameter was missing while "Lambda layer
# exists: ...AWSLambdaPowertoolsPythonV3-python313-x86_64:27" and ".../python3.13/latest
# correctly points to layer version 27". Rows are added only from such a statement:
# v3.3.0's and v3.5.0's requests repeat an earlier release's sentence, so they are left out.
LAYER_RELEASES: tuple[LayerRelease, ...] = (
    LayerRelease(2, "3.1.0", f"{LAYER_DOCS_PULLS}5344"),
    LayerRelease(3, "3.2.0", f"{LAYER_DOCS_PULLS}5426"),
    LayerRelease(5, "3.4.0", f"{LAYER_DOCS_PULLS}5785"),
    LayerRelease(6, "3.4.1", f"{LAYER_DOCS_PULLS}5869"),
    LayerRelease(27, "3.23.0", f"{LAYER_ISSUES}7689"),
)

INSTALL_PAGE = "https://docs.aws.amazon.com/powertools/python/3.24.0/getting-started/install"


@dataclass(frozen=True)
class ProvidedModule:
    """A module the handlers import without packaging it, and who provides it in Lambda."""

    module: str
    quote: str
    source: str


# The code archive holds only `handlers` (components/code_archive.py); everything else the
# handlers import comes from the Python runtime or the Powertools layer, which ships
# Powertools with its extras ("pre-packaged dependencies ... all dependencies", and the
# layer describes itself as "V3 [x86_64] with extra dependencies version ...":
# https://github.com/aws-powertools/powertools-lambda-layer-cdk/issues/107).
PROVIDED_MODULES: tuple[ProvidedModule, ...] = (
    ProvidedModule(
        "boto3",
        "Most features use Python standard library and the AWS SDK (boto3) that are "
        "available in the AWS Lambda runtime.",
        f"{INSTALL_PAGE}#package-manager",
    ),
    ProvidedModule(
        "botocore",
        "Most features use Python standard library and the AWS SDK (boto3) that are "
        "available in the AWS Lambda runtime.",
        f"{INSTALL_PAGE}#package-manager",
    ),
    ProvidedModule(
        "aws_lambda_powertools",
        "Lambda Layer is a .zip file archive that contains pre-packaged dependencies. We "
        "compile and optimize all dependencies for both x86_64 and ARM architectures.",
        f"{INSTALL_PAGE}#lambda-layer",
    ),
    ProvidedModule(
        "fastjsonschema",
        'Validation | pip install "aws-lambda-powertools[validation]" | fastjsonschema '
        "(Extra dependencies); the layer pre-packages all dependencies (Lambda Layer).",
        f"{INSTALL_PAGE}#extra-dependencies",
    ),
)


def pinned_release(requirements: Path = PINNED_REQUIREMENTS) -> str:
    """The Powertools release the requirements pin with `==`; ValueError if there is none."""
    for line in requirements.read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        match = REQUIREMENT.match(text)
        if text.startswith("-") or match is None:
            continue
        if match["name"].lower().replace("_", "-").replace(".", "-") != POWERTOOLS_PACKAGE:
            continue
        pin = EXACT_PIN.fullmatch(match["specifiers"].replace(" ", ""))
        if pin is None:
            raise ValueError(f"{requirements.name}: {text!r} does not pin one release with ==")
        return pin["release"]
    raise ValueError(f"{requirements.name} does not pin {POWERTOOLS_PACKAGE}")


def layer_version(arn: str) -> int:
    """The version of a public Powertools v3 layer ARN; ValueError for any other ARN."""
    match = LAYER_ARN.match(arn)
    if match is None:
        raise ValueError(f"{arn} is not a public Powertools for AWS Lambda (Python) v3 layer")
    return int(match["version"])


def disagreement(version: int, pinned: str) -> str | None:
    """Why layer `version` is not known to hold the `pinned` release; None if it is."""
    row = next((row for row in LAYER_RELEASES if row.layer_version == version), None)
    if row is None:
        known = ", ".join(f"{r.layer_version} ({r.release})" for r in LAYER_RELEASES)
        return (
            f"layer version {version}: which release it holds is not recorded "
            f"(tools/fidelity/powertools_layers.py knows {known}); the tests run {pinned}"
        )
    if row.release != pinned:
        return (
            f"layer version {version} holds Powertools {row.release} ({row.source}); "
            f"the tests run {pinned}"
        )
    return None
