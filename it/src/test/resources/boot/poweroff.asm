; poweroff: prints one line and powers the machine off through ACPI before it is ever ready.
; On QEMU's i440fx/PIIX4 machine SeaBIOS puts the PM I/O block at 0x600, so PM1a_CNT is 0x604;
; writing SLP_EN (bit 13) with SLP_TYP 0 enters S5 (soft off), and QEMU reports guest-shutdown.
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
    jz .off
    mov dx, 0x3f8
    out dx, al
    jmp .next
.off:
    mov dx, 0x604
    mov ax, 0x2000
    out dx, ax
.halt:
    hlt
    jmp .halt

msg: db "poweroff test image: switching off", 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
