import NIOCore
import NIOPosix

/// The write queue's own thread (luồng ghi): one event loop that nothing else runs on, where
/// `GroupCommit` drains its batches and the writer's database connection does its I/O.
///
/// Why: on the server's loops every step of a batch (building it, leasing the connection, the
/// query's completion, resuming the writers) waited behind the requests those loops were
/// serving, and the batch is what every logged exchange and every intake waits for. In the
/// gateway bench a batch of about 18 log records took 3.6–3.8 ms on the server's loops and
/// 2.6–2.8 ms here (decision 0018).
public final class WriterThread: TaskExecutor, Sendable {
    private let group: MultiThreadedEventLoopGroup
    /// The thread's loop: the writer's database connections are opened on it.
    public let loop: any EventLoop

    public init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Stops the thread; after the writer's databases are shut down.
    public func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
