using ControlPlane.Grains.Accelerators.Operations;

namespace ControlPlane.Grains.Tests;

/// <summary>Operator commands as the operator API would build them.</summary>
internal static class Operators
{
    /// <summary>A command by operator "alice" with a fresh request id.</summary>
    public static OperatorCommand Command(OperatorAction action, string reason = "maintenance", TimeSpan? deadline = null, bool force = false, string? requestId = null) =>
        new(action, reason, "alice", requestId ?? $"req-{Guid.NewGuid():N}", deadline, force);
}
