; silent: boots and hangs without a word, as a guest with a missing console driver would.
bits 16
org 0x7c00

start:
    cli
.halt:
    hlt
    jmp .halt

times 510 - ($ - $$) db 0
dw 0xaa55
