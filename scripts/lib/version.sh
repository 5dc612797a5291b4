# shellcheck shell=bash
# The release the driver says it is: the shell's copy of Product.version (Sources/SyncCore/
# Product.swift); scripts/lint checks that the two agree.
# shellcheck disable=SC2034  # read by cv-sync, which sources this file
CV_VERSION=0.1.0
