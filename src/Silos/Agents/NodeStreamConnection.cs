using System.Collections.Concurrent;
using ControlPlane.Grains.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Agents;

/// <summary>
/// The silo's end of one node's open stream: serialises writes to it, and matches the agent's command
/// results to the commands waiting for them. Attached to the node grain as its command observer.
/// </summary>
public sealed class NodeStreamConnection(string nodeId, IServerStreamWriter<V1.ServerMessage> writer, CancellationToken streamAborted)
    : INodeCommandObserver, IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CommandOutcome>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _superseded = new();
    private int _disposed;

    /// <summary>Distinguishes this stream from the node's earlier and later ones.</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>The node this stream belongs to.</summary>
    public string NodeId => nodeId;

    /// <summary>Fires when a newer stream of the same node took over (see <see cref="SupersedeAsync"/>).</summary>
    public CancellationToken Superseded => _superseded.Token;

    /// <summary>The newer stream that took over; null while this one owns the node.</summary>
    public Guid? SupersededBy { get; private set; }

    /// <summary>Writes one message; safe to call from several threads.</summary>
    public async Task WriteAsync(V1.ServerMessage message)
    {
        await _writeLock.WaitAsync(streamAborted);
        try
        {
            await writer.WriteAsync(message, streamAborted);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<CommandOutcome> ExecuteAsync(NodeCommand command, TimeSpan timeout)
    {
        var answer = new TaskCompletionSource<CommandOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(command.CommandId, answer))
        {
            return new CommandOutcome(false, false, $"command '{command.CommandId}' is already in flight on this stream");
        }

        try
        {
            await WriteAsync(new V1.ServerMessage { Command = ToContract(command) });
            return await answer.Task.WaitAsync(timeout, streamAborted);
        }
        catch (TimeoutException)
        {
            return new CommandOutcome(true, false, $"node '{nodeId}' did not answer command '{command.CommandId}' within {timeout.TotalSeconds:0.###}s", TimedOut: true);
        }
        catch (OperationCanceledException)
        {
            return CommandOutcome.NotConnected(nodeId);
        }
        finally
        {
            _pending.TryRemove(command.CommandId, out _);
        }
    }

    /// <inheritdoc />
    public Task SupersedeAsync(Guid newerConnectionId)
    {
        if (Volatile.Read(ref _disposed) == 0 && newerConnectionId != Id)
        {
            SupersededBy = newerConnectionId;
            try
            {
                _superseded.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream closed meanwhile: nothing left to close.
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Hands the agent's answer to the command waiting for it; false when none waits (late or unknown id).</summary>
    public bool Complete(V1.CommandResult result) =>
        _pending.TryRemove(result.CommandId, out var answer)
        && answer.TrySetResult(new CommandOutcome(true, result.Success, result.Message));

    /// <summary>Fails every command still waiting: the stream is gone.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var (id, answer) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                answer.TrySetResult(CommandOutcome.NotConnected(nodeId));
            }
        }

        _writeLock.Dispose();
        _superseded.Dispose();
    }

    private static V1.Command ToContract(NodeCommand command)
    {
        var wire = new V1.Command { CommandId = command.CommandId, IssueTime = Timestamp.FromDateTimeOffset(command.IssuedAt) };
        switch (command.Kind)
        {
            case NodeCommandKind.Ping:
                wire.Ping = new V1.Ping { Payload = command.PingPayload };
                break;
            case NodeCommandKind.ConfigUpdate:
                wire.ConfigUpdate = new V1.ConfigUpdate();
                if (command.HeartbeatInterval is { } interval)
                {
                    wire.ConfigUpdate.HeartbeatInterval = Duration.FromTimeSpan(interval);
                }

                break;
            case NodeCommandKind.LoadReplica when command.Replica is { } replica:
                wire.LoadReplica = new V1.LoadReplica
                {
                    ReplicaId = replica.ReplicaId,
                    Deployment = replica.Deployment,
                    Model = replica.Model,
                    WeightsBytes = replica.WeightsBytes,
                    AcceleratorIds = { replica.AcceleratorIds },
                    Slots = replica.Slots,
                    DecodeTokensPerSecond = replica.DecodeTokensPerSecond,
                    BatchSlowdown = replica.BatchSlowdown,
                    PrefillTokensPerSecond = replica.PrefillTokensPerSecond,
                    FirstTokenOverhead = Duration.FromTimeSpan(replica.FirstTokenOverhead),
                };
                break;
            case NodeCommandKind.UnloadReplica when command.Replica is { } replica:
                wire.UnloadReplica = new V1.UnloadReplica { ReplicaId = replica.ReplicaId, AcceleratorIds = { replica.AcceleratorIds } };
                break;
            case NodeCommandKind.DrainAccelerators when command.Work is { } work:
                wire.DrainAccelerators = new V1.DrainAccelerators { AcceleratorIds = { work.AcceleratorIds }, Reason = work.Reason };
                break;
            case NodeCommandKind.StopWork when command.Work is { } work:
                wire.StopWork = new V1.StopWork { AcceleratorIds = { work.AcceleratorIds }, Reason = work.Reason };
                break;
            case NodeCommandKind.ResumeAccelerators when command.Work is { } work:
                wire.ResumeAccelerators = new V1.ResumeAccelerators { AcceleratorIds = { work.AcceleratorIds } };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Kind, "unknown command kind, or a command without its body");
        }

        return wire;
    }
}
