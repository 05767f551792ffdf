package ringbuf

//go:generate go tool bpf2go -cc $BPF_CLANG -cflags "-O2 -g -Wall -Werror" -target bpfel ringbuf ringbuf.c
