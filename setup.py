"""setuptools needs this file only for cffi's build hook; everything else is in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["native/build_native.py:ffibuilder"])
