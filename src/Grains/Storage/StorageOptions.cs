namespace ControlPlane.Grains.Storage;

/// <summary>Where grain state is kept.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file on this machine: durable, no setup (the default).</summary>
    Sqlite,

    /// <summary>This process's memory: not durable, for tests that do not care.</summary>
    Memory,

    /// <summary>An Azure Cosmos DB (NoSQL API) container: durable, shared by every silo of a cluster.</summary>
    Cosmos,
}

/// <summary>Where and how grain state is stored. Bound from the <c>ControlPlane:Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Storage";

    /// <summary>The store: <c>Sqlite</c> (default), <c>Cosmos</c> or <c>Memory</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>SQLite settings, used when <see cref="Provider"/> is <c>Sqlite</c>.</summary>
    public SqliteStorageOptions Sqlite { get; set; } = new();

    /// <summary>Cosmos DB settings, used when <see cref="Provider"/> is <c>Cosmos</c>.</summary>
    public CosmosStorageOptions Cosmos { get; set; } = new();
}

/// <summary>Settings of the Cosmos DB store.</summary>
public sealed class CosmosStorageOptions
{
    /// <summary>The account endpoint, e.g. <c>https://myaccount.documents.azure.com:443/</c>.</summary>
    public string AccountEndpoint { get; set; } = "";

    /// <summary>
    /// Accept the self-signed TLS certificate of a server on a loopback address: the Cosmos emulator or a local
    /// test server. Refused at start-up for any other address. Default false.
    /// </summary>
    public bool AcceptLocalServerCertificate { get; set; }

    /// <summary>The account key (base64).</summary>
    public string AccountKey { get; set; } = "";

    /// <summary>The database. Default <c>controlplane</c>.</summary>
    public string Database { get; set; } = "controlplane";

    /// <summary>The container, partitioned on <c>/pk</c> (each grain its own logical partition). Default <c>grain-state</c>.</summary>
    public string Container { get; set; } = "grain-state";

    /// <summary>Create the database and container at start-up when missing. Default false: production containers are provisioned on purpose.</summary>
    public bool CreateResources { get; set; }

    /// <summary>Retries of a request the account throttled (429), each after the retry-after it named. Default 9.</summary>
    public int MaxThrottleRetries { get; set; } = 9;

    /// <summary>Most time spent waiting on throttles for one request before it fails. Default 30 s.</summary>
    public TimeSpan MaxThrottleWait { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Settings of the SQLite store.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The default file, relative to the working directory.</summary>
    public const string DefaultPath = "controlplane-state/state.db";

    /// <summary>
    /// The database file (created, with its directory, when missing). Relative paths are under the working
    /// directory. Default <c>controlplane-state/state.db</c>. One silo per file: a second silo on the same file
    /// would take the same grains' writes.
    /// </summary>
    public string Path { get; set; } = DefaultPath;
}
