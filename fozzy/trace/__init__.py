"""The `.fozzy` trace: model, checksum, reader, verify and the one writer.

Import the submodules directly (`fozzy.trace.reader`, `fozzy.trace.writer`, …): the package
re-exports nothing, so writing a trace never pays for the reader's typed decoder (msgspec).
"""
