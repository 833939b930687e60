using ControlPlane.Contracts.V1;
using Grpc.Core;

namespace ControlPlane.Contracts.Placement;

/// <summary>
/// A gateway's end of <c>PlaceStream</c>: any number of concurrent Place, Complete and Renew calls share one
/// persistent stream, each answered as its own task, failing with the same <see cref="RpcException"/> (code
/// and <c>google.rpc</c> details) the unary call would. Requests queued together leave as one message and
/// the silo answers what is ready together in one message too: per-call headers, and most per-message and
/// per-send costs, are paid once a batch, which is what a persistent stream saves over unary calls.
/// </summary>
/// <remarks>
/// When the stream breaks, every call waiting on it fails with UNAVAILABLE and the next call opens a new
/// stream. A Place that failed this way may or may not have been made; if it was, its lease expires, so
/// retrying it leaks nothing for longer than one lease. Thread-safe.
/// </remarks>
public sealed class PlacementStreamClient : IAsyncDisposable
{
    private readonly PlacementService.PlacementServiceClient _client;
    private readonly Metadata _headers;
    private readonly PlacementStreamClientOptions _options;
    private readonly Lock _gate = new();
    private PlacementStreamConnection? _connection;
    private long _lastCorrelationId;
    private bool _disposed;

    /// <summary>A client that opens its stream on the first call.</summary>
    /// <param name="client">The generated client of the placement service.</param>
    /// <param name="headers">Headers of every stream this client opens: at least the gateway's bearer token.</param>
    /// <param name="options">Queue and shutdown limits; defaults when null.</param>
    public PlacementStreamClient(PlacementService.PlacementServiceClient client, Metadata headers, PlacementStreamClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(headers);
        _options = options ?? new PlacementStreamClientOptions();
        _options.Validate();
        _client = client;
        _headers = headers;
    }

    /// <summary>Places one request (see the unary <c>Place</c>).</summary>
    public Task<PlaceResponse> PlaceAsync(PlaceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync(new PlacementStreamRequest { Place = request }, PlacementStreamResponse.BodyOneofCase.Placed, static r => r.Placed, cancellationToken);
    }

    /// <summary>Completes a placement (see the unary <c>Complete</c>).</summary>
    public Task<CompleteResponse> CompleteAsync(CompleteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync(new PlacementStreamRequest { Complete = request }, PlacementStreamResponse.BodyOneofCase.Completed, static r => r.Completed, cancellationToken);
    }

    /// <summary>Renews a placement's lease (see the unary <c>Renew</c>).</summary>
    public Task<RenewResponse> RenewAsync(RenewRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync(new PlacementStreamRequest { Renew = request }, PlacementStreamResponse.BodyOneofCase.Renewed, static r => r.Renewed, cancellationToken);
    }

    /// <summary>
    /// Stops sending, waits up to <see cref="PlacementStreamClientOptions.CloseTimeout"/> for the answers to
    /// calls already sent, then closes the stream. Calls made after this throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        PlacementStreamConnection? connection;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connection = _connection;
        }

        if (connection is not null)
        {
            await connection.CloseAsync(_options.CloseTimeout);
        }
    }

    private async Task<T> CallAsync<T>(PlacementStreamRequest item, PlacementStreamResponse.BodyOneofCase expected, Func<PlacementStreamResponse, T> body, CancellationToken ct)
    {
        var reply = await Connection().SendAsync(item, Interlocked.Increment(ref _lastCorrelationId), ct);
        if (reply.BodyCase == PlacementStreamResponse.BodyOneofCase.Error)
        {
            throw PlacementStreamErrors.ToException(reply.Error, item.BodyCase switch
            {
                PlacementStreamRequest.BodyOneofCase.Place => "place.",
                PlacementStreamRequest.BodyOneofCase.Complete => "complete.",
                _ => "renew.",
            });
        }

        if (reply.BodyCase != expected)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"the server answered a {item.BodyCase} request with {reply.BodyCase}"));
        }

        return body(reply);
    }

    private PlacementStreamConnection Connection()
    {
        var current = Volatile.Read(ref _connection);
        if (current is { IsBroken: false })
        {
            return current;
        }

        PlacementStreamConnection? broken;
        PlacementStreamConnection opened;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsBroken: false } live)
            {
                return live;
            }

            broken = _connection;
            opened = new PlacementStreamConnection(_client.PlaceStream(_headers), _options.MaxQueuedRequests);
            Volatile.Write(ref _connection, opened);
        }

        broken?.Abandon();
        return opened;
    }
}
