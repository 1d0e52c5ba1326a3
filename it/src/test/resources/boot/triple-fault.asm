; triple-fault: prints one line, switches to 32-bit protected mode with an empty IDT and raises an
; interrupt. With no valid gate the CPU raises #GP, then #DF, then triple-faults, which resets the
; machine; under `qemu -no-reboot` QEMU exits and reports SHUTDOWN with reason guest-reset.
; (Done in protected mode: a real-mode IVT limit of 0 is not enforced under every KVM setup.)
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
    jz .protect
    mov dx, 0x3f8               ; COM1 transmit (QEMU's UART needs no setup to accept bytes)
    out dx, al
    jmp .next
.protect:
    lgdt [gdt_descriptor]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp 0x08:boom

bits 32
boom:
    mov ax, 0x10
    mov ds, ax
    mov ss, ax
    mov esp, 0x7c00
    lidt [empty_idt]
    int 3                       ; no gate 3 (limit 0): #GP, no gate 13: #DF, no gate 8: reset
    hlt

msg: db "triple-fault test image: loading an empty IDT", 13, 10, 0

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: flat 32-bit code
    dq 0x00cf92000000ffff       ; 0x10: flat data
gdt_descriptor:
    dw gdt_descriptor - gdt - 1
    dd gdt
empty_idt:
    dw 0                        ; limit 0: every vector is out of bounds
    dd 0

times 510 - ($ - $$) db 0
dw 0xaa55
