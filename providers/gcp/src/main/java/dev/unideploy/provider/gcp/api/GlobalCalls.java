package dev.unideploy.provider.gcp.api;

import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.Operation;
import java.time.Duration;
import java.util.function.Supplier;

/** Starts a global Compute Engine operation through the call policy and waits until it is DONE. */
public final class GlobalCalls {
  private final GcpCall calls;
  private final OperationWaiter waiter;
  private final GlobalOperationsClient operations;
  private final String project;
  private final Duration timeout;

  public GlobalCalls(
      GcpCall calls,
      OperationWaiter waiter,
      GlobalOperationsClient operations,
      String project,
      Duration timeout) {
    this.calls = calls;
    this.waiter = waiter;
    this.operations = operations;
    this.project = project;
    this.timeout = timeout;
  }

  public GcpCall calls() {
    return calls;
  }

  /** Runs {@code start} (an API call answering an operation) and waits for it. */
  public Operation run(String step, String api, String what, Supplier<Operation> start) {
    Operation op = calls.call(api, start);
    return waiter.await(step, what, op, name -> operations.get(project, name), timeout);
  }
}
