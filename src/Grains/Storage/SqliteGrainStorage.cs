using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace ControlPlane.Grains.Storage;

/// <summary>
/// Grain state in one SQLite file: a row per grain state, the state in <see cref="GrainStateFormat"/>
/// (MessagePack), a version per row that makes writes optimistic (a write or clear presenting a stale ETag
/// is refused with <see cref="InconsistentStateException"/>, never applied). WAL journal with full sync, so
/// a write acknowledged to a grain survives the process being killed and the machine losing power; a busy
/// timeout lets concurrent grain writes queue for SQLite's single writer rather than fail.
/// </summary>
public sealed partial class SqliteGrainStorage : IGrainStorage, IStoreCounters
{
    private readonly string _connectionString;
    private readonly GrainStateFormat _format;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _reads;
    private long _writes;
    private long _conflicts;

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/> and checks it is readable.</summary>
    /// <exception cref="GrainStorageUnavailableException">The file is not a SQLite database, or cannot be opened or written.</exception>
    /// <param name="path">The database file.</param>
    /// <param name="format">The format records are written in.</param>
    /// <param name="logger">Where the opened file is logged.</param>
    /// <param name="time">The clock of rows' <c>updated_at</c>; the system clock when null.</param>
    public SqliteGrainStorage(string path, GrainStateFormat format, ILogger<SqliteGrainStorage> logger, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _time = time ?? TimeProvider.System;
        Path = System.IO.Path.GetFullPath(path);
        _format = format;
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Open();
    }

    /// <summary>The full path of the store's file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Provider => "sqlite";

    /// <inheritdoc />
    public long Throttles => 0;

    /// <summary>Reads since the store was opened.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Writes and clears applied since the store was opened.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Writes and clears refused for a stale ETag since the store was opened.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.ToString();
        var (version, data) = await RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT version, data FROM grain_state WHERE state_name = $name AND grain_id = $id";
            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", key);
            using var reader = command.ExecuteReader();
            return reader.Read() ? (reader.GetInt64(0), (byte[])reader.GetValue(1)) : (0L, null);
        });

        Interlocked.Increment(ref _reads);
        if (data is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = _format.Deserialize<T>(data, $"'{stateName}' of {key} in {Path}");
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.ToString();
        var data = _format.Serialize(grainState.State);
        var expected = Version(grainState.ETag, stateName, key);
        var written = await RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = expected is null
                ? "INSERT INTO grain_state (state_name, grain_id, version, data, updated_at) VALUES ($name, $id, 1, $data, $now) ON CONFLICT DO NOTHING"
                : "UPDATE grain_state SET version = version + 1, data = $data, updated_at = $now WHERE state_name = $name AND grain_id = $id AND version = $version";
            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", key);
            command.Parameters.AddWithValue("$data", data);
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$version", expected ?? 0);
            return command.ExecuteNonQuery();
        });

        if (written == 0)
        {
            throw await ConflictAsync(stateName, key, grainState.ETag);
        }

        Interlocked.Increment(ref _writes);
        grainState.ETag = ((expected ?? 0) + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.ToString();
        var expected = Version(grainState.ETag, stateName, key);
        if (expected is not null)
        {
            var deleted = await RunAsync(connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM grain_state WHERE state_name = $name AND grain_id = $id AND version = $version";
                command.Parameters.AddWithValue("$name", stateName);
                command.Parameters.AddWithValue("$id", key);
                command.Parameters.AddWithValue("$version", expected);
                return command.ExecuteNonQuery();
            });

            if (deleted == 0)
            {
                throw await ConflictAsync(stateName, key, grainState.ETag);
            }

            Interlocked.Increment(ref _writes);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>The grain ids that have a stored <paramref name="stateName"/>, in order: what a start-up sweep wakes.</summary>
    public Task<IReadOnlyList<string>> ListAsync(string stateName) => RunAsync<IReadOnlyList<string>>(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_id FROM grain_state WHERE state_name = $name ORDER BY grain_id";
        command.Parameters.AddWithValue("$name", stateName);
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    });

    private void Open()
    {
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using var connection = Connect();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS grain_state (
                    state_name TEXT NOT NULL,
                    grain_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (state_name, grain_id)) WITHOUT ROWID;
                PRAGMA quick_check;
                """;
            using var reader = command.ExecuteReader();
            do
            {
                while (reader.Read())
                {
                    if (reader.FieldCount == 1 && reader.GetName(0) == "quick_check" && reader.GetString(0) != "ok")
                    {
                        throw new GrainStorageUnavailableException(Path, $"the integrity check failed ({reader.GetString(0)})");
                    }
                }
            }
            while (reader.NextResult());
        }
        catch (SqliteException ex)
        {
            throw new GrainStorageUnavailableException(Path, ex.SqliteErrorCode switch
            {
                26 => "it is not a SQLite database (SQLITE_NOTADB)",
                11 => "the database file is damaged (SQLITE_CORRUPT)",
                _ => ex.Message,
            }, ex);
        }

        LogOpened(_logger, Path);
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
        command.ExecuteNonQuery();
        return connection;
    }

    // SQLite's API is synchronous: run it off the grain's turn so a slow disk does not hold a scheduler thread.
    private Task<TResult> RunAsync<TResult>(Func<SqliteConnection, TResult> work) => Task.Run(() =>
    {
        using var connection = Connect();
        return work(connection);
    });

    private async Task<InconsistentStateException> ConflictAsync(string stateName, string key, string? presented)
    {
        Interlocked.Increment(ref _conflicts);
        var current = await RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT version FROM grain_state WHERE state_name = $name AND grain_id = $id";
            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", key);
            return command.ExecuteScalar() is long version ? version.ToString(CultureInfo.InvariantCulture) : null;
        });

        return new InconsistentStateException(
            $"state '{stateName}' of {key} was written by another activation (stored version {current ?? "none"}, this one holds {presented ?? "none"})",
            current ?? "", presented ?? "");
    }

    private static long? Version(string? etag, string stateName, string key) =>
        etag is null ? null
        : long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version
        : throw new InconsistentStateException($"state '{stateName}' of {key}: ETag '{etag}' is not one this store wrote", "", etag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain state is stored in {Path} (SQLite, WAL)")]
    private static partial void LogOpened(ILogger logger, string path);
}

/// <summary>The grain state store cannot be used: names it and what is wrong.</summary>
public sealed class GrainStorageUnavailableException : Exception
{
    /// <summary>Creates the error for the store at <paramref name="where"/>.</summary>
    public GrainStorageUnavailableException(string where, string problem, Exception? inner = null)
        : base($"grain state store {where} cannot be used: {problem}. Restore the file from a backup or point ControlPlane:Storage at another one (docs/state.md); nothing was overwritten", inner)
    {
        Where = where;
    }

    /// <summary>Which store.</summary>
    public string Where { get; }
}
