"""setup.cfg ships every package and data file (an editable install would hide a gap)."""

from __future__ import annotations

import configparser

from conftest import REPO


def test_every_package_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(init.parent.relative_to(REPO).parts)
             for init in (REPO / "hansenti").rglob("__init__.py")}
    assert found <= listed, f"add to setup.cfg packages: {sorted(found - listed)}"
    assert "static/*.html" in config["options.package_data"]["hansenti.inference"]
    assert (REPO / "hansenti" / "inference" / "static" / "index.html").is_file()
