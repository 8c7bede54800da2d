import Foundation

/// Maps an array on every core, keeping the order: each element is transformed once, by
/// whichever worker takes it, and the results come back index for index.
public enum ConcurrentMap {
    public static func map<T: Sendable, R: Sendable>(_ input: [T], _ transform: @Sendable (T) -> R) -> [R] {
        guard input.count > 1 else { return input.map(transform) }
        let slots = Slots<R>(count: input.count)
        DispatchQueue.concurrentPerform(iterations: input.count) { slots.set($0, transform(input[$0])) }
        return slots.values
    }

    /// Results written by concurrent workers, each slot once; read after all have finished.
    private final class Slots<R>: @unchecked Sendable {
        private var storage: [R?]
        private let lock = NSLock()
        init(count: Int) { storage = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: R) { lock.lock(); storage[i] = value; lock.unlock() }
        var values: [R] { lock.lock(); defer { lock.unlock() }; return storage.map { $0! } }
    }
}
