using System.Collections.Concurrent;
using ControlPlane.Contracts.Placement;
using ControlPlane.Contracts.Security;
using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Sessions;
using ControlPlane.Silos.Metrics;
using ControlPlane.Silos.Security;
using ControlPlane.Silos.Validation;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.PlacementApi;

/// <summary>
/// The gateway's placement API: validates each request, hands it to the session grain, and maps the
/// outcome to a reply or a gRPC error with the right code and retry hint.
/// </summary>
public sealed partial class PlacementGrpcService(
    StringKeyedGrainFactory<ISessionGrain> sessions,
    PlacementRequestValidator validator,
    ControlPlaneMetrics metrics,
    ILogger<PlacementGrpcService> logger) : V1.PlacementService.PlacementServiceBase
{
    /// <summary>Items one PlaceStream works on at once; more wait for a free turn (back-pressure).</summary>
    public const int MaxInFlightPerStream = 256;

    // Replies one reply message carries at most (~160 KB of Place replies with their explanations).
    private const int MaxRepliesPerBatch = 256;

    /// <inheritdoc />
    public override async Task<V1.PlaceResponse> Place(V1.PlaceRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        validator.Check(request, violations);
        violations.ThrowIfAny();
        RequireGatewayUnlessDryRun(context, request.DryRun);
        return await PlaceAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<V1.CompleteResponse> Complete(V1.CompleteRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        validator.Check(request, violations);
        violations.ThrowIfAny();
        return await CompleteAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<V1.RenewResponse> Renew(V1.RenewRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        validator.Check(request, violations);
        violations.ThrowIfAny();
        return await RenewAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task PlaceStream(IAsyncStreamReader<V1.PlacementStreamRequestBatch> requestStream, IServerStreamWriter<V1.PlacementStreamResponseBatch> responseStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var ct = context.CancellationToken;
        var turns = new SemaphoreSlim(MaxInFlightPerStream); // not disposed: answers still running when the client leaves release it
        var inFlight = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        // One writer sends the replies, as many in one message as are ready (the point of a persistent stream).
        var replies = System.Threading.Channels.Channel.CreateUnbounded<V1.PlacementStreamResponse>(new() { SingleReader = true });
        var writer = WriteRepliesAsync(replies.Reader, responseStream, ct);
        RpcException? violation = null;

        await foreach (var batch in requestStream.ReadAllAsync(ct))
        {
            if (batch.Items.Count > PlacementStreamProtocol.MaxItemsPerBatch)
            {
                // A client bug, not bad input on an item: stop reading, answer what is in flight, then say so.
                violation = FieldViolations.Single(StatusCode.InvalidArgument, "items",
                    $"a PlaceStream message carries 1..{PlacementStreamProtocol.MaxItemsPerBatch} items; this one had {batch.Items.Count}. Split the batch; nothing of it was done");
                break;
            }

            foreach (var item in batch.Items)
            {
                var id = item.CorrelationId;
                if (id.Length is 0 or > PlacementStreamProtocol.MaxCorrelationIdLength || !inFlight.TryAdd(id, true))
                {
                    replies.Writer.TryWrite(new V1.PlacementStreamResponse
                    {
                        CorrelationId = id.Length > PlacementStreamProtocol.MaxCorrelationIdLength ? id[..PlacementStreamProtocol.MaxCorrelationIdLength] : id,
                        Error = new V1.StreamError
                        {
                            Code = (int)Code.InvalidArgument,
                            Message = id.Length is 0 or > PlacementStreamProtocol.MaxCorrelationIdLength ? $"correlation_id must be 1..{PlacementStreamProtocol.MaxCorrelationIdLength} characters" : $"correlation_id '{id}' is already in flight on this stream",
                            Fields = { "correlation_id" },
                        },
                    });
                    continue;
                }

                await turns.WaitAsync(ct);
                _ = AnswerAsync(item); // never faults: every outcome becomes a reply
            }
        }

        // The client finished sending: holding every turn means every answer has been queued; then end the stream.
        for (var i = 0; i < MaxInFlightPerStream; i++)
        {
            await turns.WaitAsync(ct);
        }

        replies.Writer.TryComplete();
        await writer;
        if (violation is not null)
        {
            throw violation;
        }

        async Task AnswerAsync(V1.PlacementStreamRequest item)
        {
            try
            {
                // Not the stream's token: every item in flight would register on that one token, and they
                // contended on its lock in the profile. An answer that outlives the stream is dropped.
                var reply = await HandleAsync(item, caller, CancellationToken.None);

                // The id is free again before the client can see the reply, so it may reuse it at once.
                inFlight.TryRemove(item.CorrelationId, out _);
                replies.Writer.TryWrite(reply);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The stream is closing; nobody is left to answer.
            }
            catch (Exception ex)
            {
                // A bug, not bad input: answer the item so the client is not left waiting, and say where to look.
                LogItemFailed(logger, item.CorrelationId, ex);
                inFlight.TryRemove(item.CorrelationId, out _);
                replies.Writer.TryWrite(new V1.PlacementStreamResponse
                {
                    CorrelationId = item.CorrelationId,
                    Error = new V1.StreamError { Code = (int)Code.Internal, Message = "the control plane failed on this item; its log has the details" },
                });
            }
            finally
            {
                inFlight.TryRemove(item.CorrelationId, out _);
                turns.Release();
            }
        }
    }

    private static async Task WriteRepliesAsync(System.Threading.Channels.ChannelReader<V1.PlacementStreamResponse> replies, IServerStreamWriter<V1.PlacementStreamResponseBatch> stream, CancellationToken ct)
    {
        while (await replies.WaitToReadAsync(ct))
        {
            // Let the answers already running on this thread queue theirs first: one message and one send
            // then carry them all.
            await Task.Yield();
            var batch = new V1.PlacementStreamResponseBatch();
            while (batch.Items.Count < MaxRepliesPerBatch && replies.TryRead(out var reply))
            {
                batch.Items.Add(reply);
            }

            await stream.WriteAsync(batch, ct);
        }
    }

    private async Task<V1.PlacementStreamResponse> HandleAsync(V1.PlacementStreamRequest item, CallerIdentity caller, CancellationToken ct)
    {
        var response = new V1.PlacementStreamResponse { CorrelationId = item.CorrelationId };
        try
        {
            var violations = new FieldViolations();
            switch (item.BodyCase)
            {
                case V1.PlacementStreamRequest.BodyOneofCase.Place:
                    validator.Check(item.Place, violations, "place.");
                    violations.ThrowIfAny();
                    if (caller.Role != CallerRole.Gateway && !item.Place.DryRun)
                    {
                        throw NotGateway(caller);
                    }

                    response.Placed = await PlaceAsync(item.Place, ct);
                    break;
                case V1.PlacementStreamRequest.BodyOneofCase.Complete:
                    validator.Check(item.Complete, violations, "complete.");
                    violations.ThrowIfAny();
                    response.Completed = await CompleteAsync(item.Complete, ct);
                    break;
                case V1.PlacementStreamRequest.BodyOneofCase.Renew:
                    validator.Check(item.Renew, violations, "renew.");
                    violations.ThrowIfAny();
                    response.Renewed = await RenewAsync(item.Renew, ct);
                    break;
                default:
                    violations.Add("body", "must be one of place, complete or renew");
                    violations.ThrowIfAny();
                    break;
            }
        }
        catch (RpcException ex)
        {
            response.Error = PlacementStreamErrors.ToStreamError(ex);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // As the unary calls' transient-failure interceptor does: the cluster is busy or changing, retry.
            response.Error = new V1.StreamError
            {
                Code = (int)Code.Unavailable,
                Message = $"the cluster could not answer in time ({ex.GetType().Name}); retry",
                RetryAfter = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            };
        }

        return response;
    }

    private async Task<V1.PlaceResponse> PlaceAsync(V1.PlaceRequest request, CancellationToken ct)
    {
        var outcome = await sessions.Get(request.SessionId).PlaceAsync(PlacementContract.ToDomain(request)).WaitAsync(ct);
        if (outcome.Refusal != SessionRefusal.None)
        {
            throw PlacementContract.ToException(outcome.Refusal, outcome.Message);
        }

        var result = outcome.Result!;
        metrics.CountPlacement(result);
        if (!result.Placed)
        {
            throw PlacementContract.ToException(result);
        }

        return PlacementContract.ToContract(result);
    }

    private async Task<V1.CompleteResponse> CompleteAsync(V1.CompleteRequest request, CancellationToken ct)
    {
        var outcome = await sessions.Get(request.SessionId)
            .CompleteAsync(request.TenantId, request.PlacementId, request.PromptTokens, request.OutputTokens).WaitAsync(ct);
        if (outcome.Refusal != SessionRefusal.None)
        {
            throw PlacementContract.ToException(outcome.Refusal, outcome.Message);
        }

        if (!outcome.AlreadyCompleted)
        {
            metrics.CountCompletion(outcome.HardwareClass, (long)request.PromptTokens + request.OutputTokens);
        }

        return new V1.CompleteResponse { AlreadyCompleted = outcome.AlreadyCompleted, SessionWaferTokens = outcome.WaferTokens, SessionGpuTokens = outcome.GpuTokens };
    }

    private async Task<V1.RenewResponse> RenewAsync(V1.RenewRequest request, CancellationToken ct)
    {
        var expires = await sessions.Get(request.SessionId).RenewAsync(request.TenantId, request.PlacementId).WaitAsync(ct);
        if (expires is null)
        {
            throw FieldViolations.Single(StatusCode.NotFound, "placement_id",
                $"placement '{request.PlacementId}' is not active in session '{request.SessionId}' (completed, expired, or another tenant's)");
        }

        return new V1.RenewResponse { LeaseExpireTime = Timestamp.FromDateTimeOffset(expires.Value) };
    }

    private static void RequireGatewayUnlessDryRun(ServerCallContext context, bool dryRun)
    {
        var caller = context.Caller();
        if (caller.Role != CallerRole.Gateway && !dryRun)
        {
            throw NotGateway(caller);
        }
    }

    private static RpcException NotGateway(CallerIdentity caller) => new(new Grpc.Core.Status(StatusCode.PermissionDenied,
        $"a {caller.Role.ToString().ToLowerInvariant()} token may only ask for dry runs (dry_run: true); placing needs a gateway token"));

    [LoggerMessage(Level = LogLevel.Error, Message = "PlaceStream item {CorrelationId} failed unexpectedly")]
    private static partial void LogItemFailed(ILogger logger, string correlationId, Exception error);
}
