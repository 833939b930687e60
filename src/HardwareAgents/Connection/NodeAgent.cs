using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Replicas;
using ControlPlane.HardwareAgents.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ControlPlane.HardwareAgents.Connection;

/// <summary>
/// One node's agent: registers, holds one persistent stream (telemetry up on an interval, commands
/// down), and reconnects with exponential backoff and jitter whenever the stream or the silo goes away.
/// A graceful stop says Goodbye; <see cref="Kill"/> drops the stream without one, as a crash would.
/// </summary>
public sealed partial class NodeAgent
{
    private readonly NodeAgentOptions _options;
    private readonly AgentService.AgentServiceClient _client;
    private readonly ITelemetrySource _telemetry;
    private readonly IReplicaHost? _replicas;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly ILogger _logger;
    private readonly Metadata _headers;
    private readonly CancellationTokenSource _kill = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private ulong _sequence;
    private long _telemetrySent;
    private int _connections;
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Creates an agent over <paramref name="callInvoker"/> (a channel shared by many simulated nodes is fine).
    /// <paramref name="replicas"/> runs the replicas the control plane asks for; without one, load commands are refused.
    /// </summary>
    public NodeAgent(NodeAgentOptions options, CallInvoker callInvoker, ITelemetrySource telemetry, TimeProvider time, Random random, ILogger logger, IReplicaHost? replicas = null)
    {
        _options = options;
        _replicas = replicas;
        _client = new AgentService.AgentServiceClient(callInvoker);
        _telemetry = telemetry;
        _time = time;
        _backoff = new ReconnectBackoff(options.InitialBackoff, options.MaxBackoff, random);
        _logger = logger;
        _headers = new Metadata { { "authorization", $"Bearer {options.Token}" } };
    }

    /// <summary>The node id.</summary>
    public string NodeId => _options.NodeId;

    /// <summary>Where the connection stands.</summary>
    public NodeAgentState State { get; private set; } = NodeAgentState.Idle;

    /// <summary>The last failure, in words; null while all is well.</summary>
    public string? LastError { get; private set; }

    /// <summary>The last failure's gRPC status, when it was one.</summary>
    public StatusCode? LastStatus { get; private set; }

    /// <summary>How many streams this agent has had welcomed.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Telemetry reports written so far.</summary>
    public long TelemetrySent => Interlocked.Read(ref _telemetrySent);

    /// <summary>The heartbeat interval in force (from the server, or a config update).</summary>
    public TimeSpan HeartbeatInterval => _heartbeatInterval;


    /// <summary>Drops the stream at once without a Goodbye and stops, as if the process died.</summary>
    public void Kill() => _kill.Cancel();

    /// <summary>Runs until <paramref name="stoppingToken"/> fires (then says Goodbye) or <see cref="Kill"/> is called.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var stopOrKill = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _kill.Token);

        // One task for the whole run that completes on a graceful stop; a task per connection would leave
        // a registration on the token behind at every reconnect.
        var stopped = Task.Delay(Timeout.Infinite, stoppingToken);
        var attempt = 0;
        try
        {
            while (!stopOrKill.IsCancellationRequested)
            {
                var welcomedBefore = Connections;
                try
                {
                    if (await RunOneConnectionAsync(stoppingToken, stopped, stopOrKill.Token).ConfigureAwait(false))
                    {
                        return; // graceful stop
                    }

                    Fail(null, "the server closed the stream");
                }
                catch (OperationCanceledException) when (stopOrKill.IsCancellationRequested)
                {
                    return;
                }
                catch (RpcException ex) when (stopOrKill.IsCancellationRequested && ex.StatusCode == StatusCode.Cancelled)
                {
                    return;
                }
                catch (RpcException ex)
                {
                    Fail(ex.StatusCode, ex.Status.Detail);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException)
                {
                    Fail(null, ex.Message);
                }

                if (Connections != welcomedBefore)
                {
                    attempt = 0; // the stream was up, however it ended: start the backoff afresh
                }

                State = NodeAgentState.BackingOff;
                var delay = _backoff.Delay(attempt++);
                LogReconnecting(_logger, NodeId, delay.TotalMilliseconds, LastError ?? "");
                await Task.Delay(delay, _time, stopOrKill.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopOrKill.IsCancellationRequested)
        {
        }
        finally
        {
            State = NodeAgentState.Stopped;
        }
    }

    // Returns true after a graceful stop; false when the server ended the stream.
    private async Task<bool> RunOneConnectionAsync(CancellationToken stoppingToken, Task stopped, CancellationToken stopOrKill)
    {
        State = NodeAgentState.Registering;
        var request = new RegisterRequest { NodeId = NodeId, AgentVersion = _options.AgentVersion };
        request.Accelerators.AddRange(_options.Accelerators);
        var registered = await _client.RegisterAsync(request, _headers, cancellationToken: stopOrKill).ConfigureAwait(false);
        _heartbeatInterval = registered.HeartbeatInterval.ToTimeSpan();

        // The call lives until killed; a graceful stop closes it with Goodbye instead of cancelling it.
        using var call = _client.Connect(_headers, cancellationToken: _kill.Token);
        await WriteAsync(call, new AgentMessage { Hello = new Hello { NodeId = NodeId } }).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(stopOrKill).ConfigureAwait(false) || call.ResponseStream.Current.Welcome is not { } welcome)
        {
            throw new InvalidOperationException("the server did not answer Hello with Welcome");
        }

        _heartbeatInterval = welcome.HeartbeatInterval.ToTimeSpan();
        Interlocked.Increment(ref _connections);
        State = NodeAgentState.Connected;
        LastError = null;
        LastStatus = null;
        LogConnected(_logger, NodeId, welcome.AcceleratorIds.Count, _heartbeatInterval.TotalSeconds);

        // Replica states go up this stream from now on; a fresh connection re-reports every replica, so a
        // restarted silo learns what is loaded here.
        _replicas?.AttachReporter(message => WriteAsync(call, message));
        foreach (var status in _replicas?.Statuses() ?? [])
        {
            await WriteAsync(call, new AgentMessage { ReplicaStatus = status }).ConfigureAwait(false);
        }

        using var streamEnded = CancellationTokenSource.CreateLinkedTokenSource(stopOrKill);
        var commands = HandleCommandsAsync(call, _kill.Token); // keeps reading through a graceful stop until the server closes
        var heartbeats = HeartbeatAsync(call, streamEnded.Token);
        await Task.WhenAny(commands, heartbeats, stopped).ConfigureAwait(false);
        streamEnded.Cancel();
        _replicas?.AttachReporter(null);

        // Not "which task finished first": a stop cancels the heartbeat loop through the linked token,
        // and that cancellation may complete before the stop task itself does.
        if (stoppingToken.IsCancellationRequested && !_kill.IsCancellationRequested)
        {
            await SayGoodbyeAsync(call, commands).ConfigureAwait(false);
            return true;
        }

        await IgnoreCancellation(heartbeats).ConfigureAwait(false);
        await commands.ConfigureAwait(false); // surfaces the server's status when it ended the stream with an error
        return false;
    }

    private async Task HeartbeatAsync(AsyncDuplexStreamingCall<AgentMessage, ServerMessage> call, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var (acceleratorId, telemetry) in await _telemetry.SampleAsync(cancellationToken).ConfigureAwait(false))
            {
                var report = new TelemetryReport { AcceleratorId = acceleratorId, Sequence = ++_sequence, Telemetry = telemetry };
                await WriteAsync(call, new AgentMessage { Telemetry = report }).ConfigureAwait(false);
                Interlocked.Increment(ref _telemetrySent);
            }

            await Task.Delay(_heartbeatInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleCommandsAsync(AsyncDuplexStreamingCall<AgentMessage, ServerMessage> call, CancellationToken cancellationToken)
    {
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            if (call.ResponseStream.Current.Command is not { } command)
            {
                continue;
            }

            var result = command.BodyCase switch
            {
                Command.BodyOneofCase.Ping => new CommandResult { CommandId = command.CommandId, Success = true, Message = "pong" },
                Command.BodyOneofCase.ConfigUpdate => ApplyConfig(command),
                Command.BodyOneofCase.LoadReplica => _replicas?.Load(command.CommandId, command.LoadReplica) ?? NoBackend(command),
                Command.BodyOneofCase.UnloadReplica => _replicas?.Unload(command.CommandId, command.UnloadReplica) ?? NoBackend(command),
                Command.BodyOneofCase.DrainAccelerators => _replicas?.Drain(command.CommandId, command.DrainAccelerators) ?? NothingRunning(command),
                Command.BodyOneofCase.StopWork => _replicas?.Stop(command.CommandId, command.StopWork) ?? NothingRunning(command),
                Command.BodyOneofCase.ResumeAccelerators => _replicas?.Resume(command.CommandId, command.ResumeAccelerators) ?? NothingRunning(command),
                _ => new CommandResult { CommandId = command.CommandId, Success = false, Message = $"this agent does not support {command.BodyCase} commands" },
            };
            await WriteAsync(call, new AgentMessage { CommandResult = result }).ConfigureAwait(false);
        }
    }

    // Without an inference backend nothing runs here, so a drain has nothing to wait for.
    private static CommandResult NothingRunning(Command command) => new() { CommandId = command.CommandId, Success = true, Message = "no streams run on this node" };

    private static CommandResult NoBackend(Command command) => new()
    {
        CommandId = command.CommandId,
        Success = false,
        Message = "this agent has no inference backend to run replicas on; run it with one, or cordon its accelerators",
    };

    private CommandResult ApplyConfig(Command command)
    {
        var update = command.ConfigUpdate;
        if (update.HeartbeatInterval is { } interval)
        {
            var value = interval.ToTimeSpan();
            if (value <= TimeSpan.Zero || value > TimeSpan.FromMinutes(10))
            {
                return new CommandResult { CommandId = command.CommandId, Success = false, Message = $"heartbeat_interval must be between 1 ms and 10 min (got {value})" };
            }

            _heartbeatInterval = value;
        }

        return new CommandResult { CommandId = command.CommandId, Success = true, Message = $"heartbeat interval {_heartbeatInterval}" };
    }

    private async Task SayGoodbyeAsync(AsyncDuplexStreamingCall<AgentMessage, ServerMessage> call, Task commands)
    {
        try
        {
            await WriteAsync(call, new AgentMessage { Goodbye = new Goodbye { Reason = "agent stopping" } }).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            await IgnoreCancellation(commands).WaitAsync(_options.GoodbyeTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or TimeoutException or IOException or InvalidOperationException)
        {
            LogGoodbyeFailed(_logger, NodeId, ex.Message);
        }
    }

    private async Task WriteAsync(AsyncDuplexStreamingCall<AgentMessage, ServerMessage> call, AgentMessage message)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await call.RequestStream.WriteAsync(message).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Fail(StatusCode? status, string error)
    {
        LastStatus = status;
        LastError = status is null ? error : $"{status}: {error}";
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} connected: {Count} accelerator(s), heartbeat every {Seconds}s")]
    private static partial void LogConnected(ILogger logger, string nodeId, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} reconnecting in {DelayMs:F0} ms: {Error}")]
    private static partial void LogReconnecting(ILogger logger, string nodeId, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId} goodbye did not complete: {Error}")]
    private static partial void LogGoodbyeFailed(ILogger logger, string nodeId, string error);
}
