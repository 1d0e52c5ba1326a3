/**
 * Running x86-64 guests under QEMU: the reusable pieces behind boot verification, {@code unideploy
 * run} and the local provider.
 *
 * <ul>
 *   <li>{@link dev.unideploy.pipeline.qemu.QemuSpec} describes a guest (disk and its QEMU format,
 *       {@link dev.unideploy.pipeline.qemu.DiskController}, {@link
 *       dev.unideploy.pipeline.qemu.BootMode}, {@link dev.unideploy.pipeline.qemu.Accelerator}
 *       ({@link dev.unideploy.pipeline.qemu.AcceleratorChoice}: KVM if usable and not nested),
 *       memory, {@link dev.unideploy.pipeline.qemu.PortForward}s, snapshot=on by default).
 *   <li>{@link dev.unideploy.pipeline.qemu.QemuCommandBuilder} turns it into an argument list
 *       (pure; unit-tested).
 *   <li>{@link dev.unideploy.pipeline.qemu.QemuLauncher} starts it: {@code launch} (background,
 *       dies with the JVM), {@code launchDetached} + {@code attach} (survives the JVM; for
 *       long-running local instances), {@code runForeground} (serial on the terminal).
 *   <li>{@link dev.unideploy.pipeline.qemu.QemuProcess} is the running guest: pid, {@code
 *       hostPort(guestPort)}, {@link dev.unideploy.pipeline.qemu.SerialConsole} (the serial log
 *       followed line by line), QMP shutdown reason, {@code stop(grace)} (QMP quit, SIGTERM,
 *       SIGKILL).
 *   <li>{@link dev.unideploy.pipeline.qemu.BootWatcher} waits for a {@link
 *       dev.unideploy.pipeline.qemu.ReadinessCheck} (console regex, HTTP, TCP) and returns a {@link
 *       dev.unideploy.pipeline.qemu.BootOutcome} (ready, panic, reset, shutdown, exited, timeout)
 *       with the console tail; {@link dev.unideploy.pipeline.qemu.ConsoleMatcher} holds the
 *       readiness and panic patterns.
 * </ul>
 */
package dev.unideploy.pipeline.qemu;
