#!/bin/sh
# Rebuilds tests/loader/bpf/*.o from their sources, with the flags `cargo xtask fixtures` uses.
# Run from the repository root; commit the .o with its .c.
set -eu
for src in tests/loader/bpf/*.bpf.c; do
	out="tests/loader/bpf/$(basename "$src" .bpf.c).o"
	clang-19 -O2 -g -target bpf -D__TARGET_ARCH_x86 -mcpu=v3 -I tests/bpf \
		-ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=. -c "$src" -o "$out"
done
