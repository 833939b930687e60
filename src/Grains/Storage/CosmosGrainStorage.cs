using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace ControlPlane.Grains.Storage;

/// <summary>
/// Grain state in an Azure Cosmos DB (NoSQL API) container, on the SDK's stream API: one document per grain
/// state, <c>{ id, pk, stateName, grainId, format, data }</c> where <c>data</c> is the state in
/// <see cref="GrainStateFormat"/> (MessagePack) as base64, since a document must be JSON. The partition key
/// is the grain, so no grain type crowds one logical partition. Writes carry the ETag they read (a stale one
/// is refused with <see cref="InconsistentStateException"/>); point operations only. A throttled request
/// (429) is retried after the retry-after the account named, at most <see cref="CosmosStorageOptions.MaxThrottleRetries"/>
/// times and <see cref="CosmosStorageOptions.MaxThrottleWait"/> in all, then fails saying so.
/// </summary>
public sealed partial class CosmosGrainStorage : IGrainStorage, IStoreCounters, IDisposable
{
    /// <summary>Cosmos DB's largest item.</summary>
    public const int MaxDocumentBytes = 2 * 1024 * 1024;

    private readonly CosmosStorageOptions _options;
    private readonly GrainStateFormat _format;
    private readonly ILogger _logger;
    private readonly CosmosClient _client;
    private readonly Container _container;
    private readonly string _where;
    private long _throttles;
    private long _reads;
    private long _writes;
    private long _conflicts;

    /// <summary>A store on the account and container of <paramref name="options"/>; <see cref="OpenAsync"/> checks them.</summary>
    public CosmosGrainStorage(CosmosStorageOptions options, GrainStateFormat format, ILogger<CosmosGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _format = format;
        _logger = logger;
        _where = $"Cosmos container {options.Database}/{options.Container} at {options.AccountEndpoint}";
        _client = new CosmosClient(options.AccountEndpoint, options.AccountKey, new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            MaxRetryAttemptsOnRateLimitedRequests = 0, // retried here, so every throttle is counted and bounded
            RequestTimeout = TimeSpan.FromSeconds(30),
            ApplicationName = "controlplane",
            ServerCertificateCustomValidationCallback = options.AcceptLocalServerCertificate && Uri.TryCreate(options.AccountEndpoint, UriKind.Absolute, out var endpoint) && endpoint.IsLoopback
                ? (_, _, _) => true // the emulator's or a test server's self-signed certificate, on this machine only
                : null,
        });
        _container = _client.GetContainer(options.Database, options.Container);
    }

    /// <inheritdoc />
    public string Provider => "cosmos";

    /// <summary>Requests the account throttled (429) since the store was opened, each retry counted.</summary>
    public long Throttles => Interlocked.Read(ref _throttles);

    /// <inheritdoc />
    public long Reads => Interlocked.Read(ref _reads);

    /// <inheritdoc />
    public long Writes => Interlocked.Read(ref _writes);

    /// <inheritdoc />
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Checks the account answers and the container exists, creating both when <see cref="CosmosStorageOptions.CreateResources"/> is set.</summary>
    /// <exception cref="GrainStorageUnavailableException">The account cannot be reached, refuses the key, or lacks the container.</exception>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.CreateResources)
            {
                var database = await _client.CreateDatabaseIfNotExistsAsync(_options.Database, cancellationToken: cancellationToken);
                await database.Database.CreateContainerIfNotExistsAsync(new ContainerProperties(_options.Container, "/pk"), cancellationToken: cancellationToken);
            }

            using var response = await _container.ReadContainerStreamAsync(cancellationToken: cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw Unavailable(response.StatusCode, response.ErrorMessage);
            }
        }
        catch (CosmosException ex)
        {
            throw Unavailable(ex.StatusCode, ex.Message, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new GrainStorageUnavailableException(_where, $"the endpoint cannot be reached ({ex.Message}); check ControlPlane:Storage:Cosmos:AccountEndpoint and the network", ex);
        }

        LogOpened(_logger, _options.Database, _options.Container, _options.AccountEndpoint);
    }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var (id, pk) = Keys(stateName, grainId);
        using var response = await SendAsync(() => _container.ReadItemStreamAsync(id, new PartitionKey(pk)));
        Interlocked.Increment(ref _reads);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        EnsureSuccess(response);
        var where = $"'{stateName}' of {grainId} in {_where}";
        using var document = await JsonDocument.ParseAsync(response.Content);
        var data = document.RootElement.TryGetProperty("data", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetBytesFromBase64()
            : throw new GrainStateFormatException(where, "the document has no base64 'data' field");
        grainState.State = _format.Deserialize<T>(data, where);
        grainState.ETag = response.Headers.ETag;
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var (id, pk) = Keys(stateName, grainId);
        var body = Document(id, pk, stateName, grainId, _format.Serialize(grainState.State));
        if (body.Length > MaxDocumentBytes)
        {
            // Refused here, with its name, rather than by the service with a bare 413.
            throw new InvalidOperationException(
                $"state '{stateName}' of {grainId} is {body.Length:N0} bytes as a document, over Cosmos DB's {MaxDocumentBytes:N0}-byte item limit; it was not written");
        }

        var etag = grainState.ETag;
        using var response = await SendAsync(() => etag is null
            ? _container.CreateItemStreamAsync(new MemoryStream(body), new PartitionKey(pk))
            : _container.ReplaceItemStreamAsync(new MemoryStream(body), id, new PartitionKey(pk), new ItemRequestOptions { IfMatchEtag = etag }));
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            throw Conflict(stateName, grainId, etag);
        }

        EnsureSuccess(response);
        Interlocked.Increment(ref _writes);
        grainState.ETag = response.Headers.ETag;
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var etag = grainState.ETag;
        if (etag is not null)
        {
            var (id, pk) = Keys(stateName, grainId);
            using var response = await SendAsync(() => _container.DeleteItemStreamAsync(id, new PartitionKey(pk), new ItemRequestOptions { IfMatchEtag = etag }));
            if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            {
                throw Conflict(stateName, grainId, etag);
            }

            EnsureSuccess(response);
            Interlocked.Increment(ref _writes);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    /// <summary>
    /// The document id and partition key of a grain state. Ids may not hold <c>/ \ ? #</c> and are at most 255
    /// characters: those characters, <c>%</c> (SDKs put ids into URLs unescaped) and <c>~</c> (the escape) become
    /// <c>~XX</c>; a longer id is cut and ends with a hash of the whole, so two grains never share one.
    /// </summary>
    public static (string Id, string PartitionKey) Keys(string stateName, GrainId grainId)
    {
        var pk = Escape(grainId.ToString());
        return (Bounded($"{Escape(stateName)}~{pk}", 255), Bounded(pk, 1024));
    }

    private static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '?' or '#' or '%' or '~' || char.IsControl(c))
            {
                escaped.Append('~').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    private static string Bounded(string value, int max)
    {
        if (value.Length <= max)
        {
            return value;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return $"{value[..(max - hash.Length - 1)]}~{hash}";
    }

    private static byte[] Document(string id, string pk, string stateName, GrainId grainId, byte[] data)
    {
        using var buffer = new MemoryStream(data.Length * 4 / 3 + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("pk", pk);
            json.WriteString("stateName", stateName);
            json.WriteString("grainId", grainId.ToString());
            json.WriteString("format", "messagepack-v1");
            json.WriteBase64String("data", data);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // Sends, retrying throttled requests after the retry-after the account named, within the configured bounds.
    private async Task<ResponseMessage> SendAsync(Func<Task<ResponseMessage>> send)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 0; ; attempt++)
        {
            ResponseMessage response;
            try
            {
                response = await send();
            }
            catch (HttpRequestException ex)
            {
                throw new GrainStorageUnavailableException(_where, $"the endpoint cannot be reached ({ex.Message})", ex);
            }

            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            Interlocked.Increment(ref _throttles);
            var wait = double.TryParse(response.Headers["x-ms-retry-after-ms"], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
                ? TimeSpan.FromMilliseconds(ms)
                : TimeSpan.FromMilliseconds(100);
            response.Dispose();
            if (attempt >= _options.MaxThrottleRetries || waited + wait > _options.MaxThrottleWait)
            {
                LogThrottledOut(_logger, attempt + 1, waited.TotalSeconds);
                throw new GrainStorageUnavailableException(_where,
                    $"the account throttled the request (429) {attempt + 1} time(s) and {waited.TotalSeconds:F1}s of waiting did not get it through; " +
                    "raise the container's throughput (RU/s) or ControlPlane:Storage:Cosmos:MaxThrottleRetries/MaxThrottleWait");
            }

            waited += wait;
            await Task.Delay(wait);
        }
    }

    private void EnsureSuccess(ResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw Unavailable(response.StatusCode, response.ErrorMessage);
        }
    }

    private GrainStorageUnavailableException Unavailable(HttpStatusCode status, string? message, Exception? inner = null) => new(_where, status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"the account refused the key ({(int)status}); check ControlPlane:Storage:Cosmos:AccountKey",
        HttpStatusCode.NotFound => "the database or container does not exist; create it (partition key /pk) or set ControlPlane:Storage:Cosmos:CreateResources=true",
        _ => $"the account answered {(int)status} {status}: {message}",
    }, inner);

    private InconsistentStateException Conflict(string stateName, GrainId grainId, string? presented)
    {
        Interlocked.Increment(ref _conflicts);
        return new($"state '{stateName}' of {grainId} was written by another activation (this one holds ETag {presented ?? "none"})", "", presented ?? "");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain state is stored in Cosmos DB: container {Database}/{Container} at {Endpoint}")]
    private static partial void LogOpened(ILogger logger, string database, string container, string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Cosmos DB request was throttled {Attempts} time(s) over {Seconds:F1}s and failed")]
    private static partial void LogThrottledOut(ILogger logger, int attempts, double seconds);
}
