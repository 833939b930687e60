namespace ControlPlane.Grains.Storage;

/// <summary>Where grain state is kept.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file on this machine: durable, no setup (the default).</summary>
    Sqlite,

    /// <summary>This process's memory: not durable, for tests that do not care.</summary>
    Memory,
}

/// <summary>Where and how grain state is stored. Bound from the <c>ControlPlane:Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Storage";

    /// <summary>The store: <c>Sqlite</c> (default) or <c>Memory</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>SQLite settings, used when <see cref="Provider"/> is <c>Sqlite</c>.</summary>
    public SqliteStorageOptions Sqlite { get; set; } = new();
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
