"""`make test` runs every test: the tools the suite needs (Chromium, poppler, gettext) are
installed before it when the user can, and otherwise it stops with the one command to run —
never skipped tests."""

import subprocess

import pytest

from portal import stack

EVERY_COMMAND = {"chromium", "pdftotext", "pdftoppm", "xgettext", "msgfmt", "apt-get",
                 "dpkg-query", "sudo"}
BRINGS = {"chromium": {"chromium"}, "poppler-utils": {"pdftotext", "pdftoppm"},
          "gettext": {"xgettext", "msgfmt"}}


class FakeSystem:
    def __init__(self, monkeypatch, missing=(), root=True, sudo=False):
        self.present = EVERY_COMMAND - set(missing)
        self.sudo, self.calls = sudo, []
        monkeypatch.setattr(stack.shutil, "which",
                            lambda name: f"/usr/bin/{name}" if name in self.present else None)
        monkeypatch.setattr(stack.os, "geteuid", lambda: 0 if root else 1000)
        monkeypatch.setattr(stack.subprocess, "run", self.run)

    def run(self, command, **kwargs):
        self.calls.append(command)
        if command[0] == "dpkg-query":
            return subprocess.CompletedProcess(command, 0, stdout="install ok installed")
        if command[:2] == ["sudo", "-n"] and command[2:] == ["true"]:
            return subprocess.CompletedProcess(command, 0 if self.sudo else 1)
        if "install" in command:
            for package in command[command.index("install") + 1:]:
                self.present |= BRINGS.get(package, set())
        return subprocess.CompletedProcess(command, 0)

    @property
    def apt_calls(self):
        return [call for call in self.calls if "apt-get" in call]


def test_nothing_is_installed_when_every_tool_is_there(monkeypatch):
    system = FakeSystem(monkeypatch)
    assert stack.ensure_system_packages()
    assert system.apt_calls == []


def test_root_installs_the_missing_tools_before_the_suite(monkeypatch):
    system = FakeSystem(monkeypatch, missing={"chromium", "pdftoppm"})
    assert stack.ensure_system_packages()
    install = system.apt_calls[-1]
    assert install[:2] == ["apt-get", "install"]
    assert install[-2:] == ["chromium", "poppler-utils"]


def test_a_user_with_passwordless_sudo_installs_them_through_it(monkeypatch):
    system = FakeSystem(monkeypatch, missing={"xgettext"}, root=False, sudo=True)
    assert stack.ensure_system_packages()
    assert system.apt_calls[-1][:4] == ["sudo", "-n", "apt-get", "install"]
    assert system.apt_calls[-1][-1] == "gettext"


def test_otherwise_the_suite_does_not_start_and_the_command_is_given(monkeypatch, capsys):
    system = FakeSystem(monkeypatch, missing={"chromium", "pdftotext"}, root=False)
    monkeypatch.setattr(stack, "start_services",
                        lambda: pytest.fail("the suite started without its tools"))

    assert stack.test(["-q"]) == 1

    assert system.apt_calls == []
    output = capsys.readouterr().out
    assert "sudo apt-get install -y --no-install-recommends chromium poppler-utils" in output
