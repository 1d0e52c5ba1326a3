; pm32-hello: a second, independent bootable test image for unideploy's boot tests.
; A single boot sector that enables A20, loads a flat GDT, switches the CPU to 32-bit protected
; mode and, from 32-bit code, prints a banner and a readiness line on COM1, then a heartbeat.
; Assembled at test time: nasm -f bin -o pm32-hello.bin pm32-hello.asm
bits 16
org 0x7c00

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    in al, 0x92                 ; "fast A20" via the system control port
    or al, 2
    and al, 0xfe                ; never set bit 0: that resets the machine
    out 0x92, al
    lgdt [gdt_descriptor]
    mov eax, cr0
    or eax, 1                   ; CR0.PE
    mov cr0, eax
    jmp 0x08:protected          ; far jump loads CS with the 32-bit code segment

bits 32
protected:
    mov ax, 0x10                ; flat data segment
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x90000
    call serial_init
    mov esi, banner
    call print
    mov eax, cr0                ; prove the switch: PE must read back as 1
    test al, 1
    jz failed
    mov esi, ready
    call print
heartbeat:
    mov ecx, 0x08000000         ; busy wait: no interrupts in this tiny kernel
.spin:
    dec ecx
    jnz .spin
    mov esi, beat
    call print
    jmp heartbeat
failed:
    mov esi, panic
    call print
.halt:
    hlt
    jmp .halt

serial_init:                    ; COM1: 115200 8N1, FIFO on, no interrupts
    mov dx, 0x3f9
    xor al, al
    out dx, al
    mov dx, 0x3fb
    mov al, 0x80
    out dx, al
    mov dx, 0x3f8
    mov al, 1
    out dx, al
    mov dx, 0x3f9
    xor al, al
    out dx, al
    mov dx, 0x3fb
    mov al, 3
    out dx, al
    mov dx, 0x3fa
    mov al, 0xc7
    out dx, al
    ret

print:                          ; esi: zero-terminated string
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20               ; transmitter holding register empty
    jz .wait
    mov al, ah
    mov dx, 0x3f8
    out dx, al
    jmp print
.done:
    ret

banner: db "pm32-hello: 32-bit protected mode test kernel (nasm)", 13, 10, 0
ready:  db "pm32-hello READY in protected mode", 13, 10, 0
beat:   db "pm32-hello still alive", 13, 10, 0
panic:  db "PANIC: protected mode switch failed", 13, 10, 0

align 8
gdt:
    dq 0                        ; null descriptor
    dq 0x00cf9a000000ffff       ; 0x08: code, base 0, limit 4 GiB, 32-bit, execute/read
    dq 0x00cf92000000ffff       ; 0x10: data, base 0, limit 4 GiB, read/write
gdt_descriptor:
    dw gdt_descriptor - gdt - 1
    dd gdt

times 510 - ($ - $$) db 0
dw 0xaa55
