; panic: prints a few boot lines and a Linux-style panic line on COM1, then halts for good.
bits 16
org 0x7c00

start:
    cli
    xor ax, ax
    mov ds, ax
    mov si, msg
.next:
    lodsb
    test al, al
    jz .halt
    mov dx, 0x3f8
    out dx, al
    jmp .next
.halt:
    hlt
    jmp .halt

msg:
    db "panic test image booting", 13, 10
    db "mounting root filesystem", 13, 10
    db "Kernel panic - not syncing: VFS: Unable to mount root fs (unideploy test)", 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
