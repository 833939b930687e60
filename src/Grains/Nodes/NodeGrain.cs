using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.Gpus;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Grains.Nodes;

/// <summary>Keeps which accelerators a node owns and where its stream is attached.</summary>
public sealed partial class NodeGrain(
    [PersistentState("node", FleetStorage.Name)] IPersistentState<NodeRecord> record,
    TimeProvider time,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    private (Guid ConnectionId, INodeCommandObserver Observer)? _stream;

    /// <inheritdoc />
    public async Task<NodeRegistrationOutcome> RegisterAsync(IReadOnlyList<AcceleratorRegistration> accelerators, string agentVersion)
    {
        var grains = accelerators.Select(a => GrainFactory.GetGrain<IAcceleratorGrain>(a.AcceleratorId)).ToArray();

        // Check all first: one refused accelerator must not leave the others half-registered.
        var checks = await Task.WhenAll(grains.Select((g, i) => g.CheckRegistrationAsync(accelerators[i])));
        for (var i = 0; i < checks.Length; i++)
        {
            if (!checks[i].Accepted)
            {
                return new NodeRegistrationOutcome([], checks[i].Refusal, i, checks[i].Message);
            }
        }

        if (await CheckGpuClaimsAsync(accelerators) is { } gpuRefusal)
        {
            return gpuRefusal;
        }

        var outcomes = await Task.WhenAll(grains.Select((g, i) => g.RegisterAsync(accelerators[i])));
        for (var i = 0; i < outcomes.Length; i++)
        {
            // Lost only to a race with another node registering the same id between check and write.
            if (!outcomes[i].Accepted)
            {
                return new NodeRegistrationOutcome([], outcomes[i].Refusal, i, outcomes[i].Message);
            }
        }

        foreach (var accelerator in accelerators)
        {
            record.State.AcceleratorIds.Add(accelerator.AcceleratorId);
        }

        record.State.AgentVersion = agentVersion;
        record.State.LastRegisteredAt = time.GetUtcNow();
        await record.WriteStateAsync();
        LogNodeRegistered(logger, this.GetPrimaryKeyString(), accelerators.Count, agentVersion);
        return new NodeRegistrationOutcome(outcomes.Select(o => o.View!).ToArray(), AcceleratorRefusal.None, -1, "");
    }

    // A GPU uuid names one physical device fleet-wide; another accelerator declaring it is refused.
    private async Task<NodeRegistrationOutcome?> CheckGpuClaimsAsync(IReadOnlyList<AcceleratorRegistration> accelerators)
    {
        var claims = accelerators.SelectMany((a, i) => a.Gpus.Select(g => (Index: i, Accelerator: a.AcceleratorId, g.Uuid))).ToArray();
        var owners = await Task.WhenAll(claims.Select(c => GrainFactory.GetGrain<IGpuClaimGrain>(c.Uuid).GetOwnerAsync()));
        for (var i = 0; i < claims.Length; i++)
        {
            if (owners[i] is { } owner && owner != claims[i].Accelerator)
            {
                return new NodeRegistrationOutcome([], AcceleratorRefusal.GpuClaimedElsewhere, claims[i].Index,
                    $"GPU '{claims[i].Uuid}' is already registered as part of accelerator '{owner}'; a uuid names one physical GPU");
            }
        }

        // Claim after every check passed; a race lost here to another node shows up as a different owner.
        var claimed = await Task.WhenAll(claims.Select(c => GrainFactory.GetGrain<IGpuClaimGrain>(c.Uuid).ClaimAsync(c.Accelerator)));
        for (var i = 0; i < claims.Length; i++)
        {
            if (claimed[i] == claims[i].Accelerator)
            {
                continue;
            }

            // Undo the claims this request made, so a refused registration leaves no trace.
            await Task.WhenAll(claims.Where((c, j) => owners[j] is null && claimed[j] == c.Accelerator)
                .Select(c => GrainFactory.GetGrain<IGpuClaimGrain>(c.Uuid).ReleaseAsync(c.Accelerator)));
            return new NodeRegistrationOutcome([], AcceleratorRefusal.GpuClaimedElsewhere, claims[i].Index,
                $"GPU '{claims[i].Uuid}' was registered as part of accelerator '{claimed[i]}' at the same moment");
        }

        return null;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetAcceleratorIdsAsync() =>
        Task.FromResult<IReadOnlyList<string>>(record.State.AcceleratorIds.ToArray());

    /// <inheritdoc />
    public Task AttachAsync(Guid connectionId, INodeCommandObserver observer)
    {
        var previous = _stream;
        _stream = (connectionId, observer);
        LogStreamAttached(logger, this.GetPrimaryKeyString(), connectionId);
        if (previous is { } older && older.ConnectionId != connectionId)
        {
            // Two open streams would split the node: commands to one, telemetry on both, and the older one's
            // close would take the newer one's channel. The newest wins (an agent failing over opens it).
            LogStreamSuperseded(logger, this.GetPrimaryKeyString(), older.ConnectionId, connectionId);
            try
            {
                older.Observer.SupersedeAsync(connectionId).Ignore();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The host of the older stream is gone; so is that stream.
                LogCommandFailed(logger, this.GetPrimaryKeyString(), "supersede", ex.Message);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DetachAsync(Guid connectionId)
    {
        if (_stream?.ConnectionId == connectionId)
        {
            _stream = null;
            LogStreamDetached(logger, this.GetPrimaryKeyString(), connectionId);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<CommandOutcome> SendCommandAsync(NodeCommand command, TimeSpan timeout)
    {
        if (_stream is not { } stream)
        {
            return CommandOutcome.NotConnected(this.GetPrimaryKeyString());
        }

        try
        {
            return await stream.Observer.ExecuteAsync(command, timeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The host that held the stream is gone; the node will attach again when it reconnects.
            LogCommandFailed(logger, this.GetPrimaryKeyString(), command.CommandId, ex.Message);
            if (_stream?.ConnectionId == stream.ConnectionId)
            {
                _stream = null;
            }

            return CommandOutcome.NotConnected(this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} registered {Count} accelerator(s) (agent {AgentVersion})")]
    private static partial void LogNodeRegistered(ILogger logger, string nodeId, int count, string agentVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId} stream {ConnectionId} attached")]
    private static partial void LogStreamAttached(ILogger logger, string nodeId, Guid connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId} stream {ConnectionId} detached")]
    private static partial void LogStreamDetached(ILogger logger, string nodeId, Guid connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} stream {Older} superseded by newer stream {Newer}; telling it to close")]
    private static partial void LogStreamSuperseded(ILogger logger, string nodeId, Guid older, Guid newer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {CommandId} to node {NodeId} failed: {Error}")]
    private static partial void LogCommandFailed(ILogger logger, string nodeId, string commandId, string error);
}
