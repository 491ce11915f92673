using System.Globalization;

namespace City.Edge.Hosting;

/// <summary>The edge was told to give the local API socket a group it cannot give it; the message says what to do.</summary>
internal sealed class LocalApiGroupException(string message) : Exception(message);

/// <summary>
/// Who besides the edge's own user (and root) may use the local API socket: the members of one group (the socket is
/// mode 0660 with that group) or nobody (mode 0600). Connecting to a Unix socket needs write permission on its file, so
/// the mode bits are the access control; the socket's directory must let the group through as well.
/// </summary>
internal sealed record LocalApiSocketAccess(string? GroupName, uint? GroupId, string? Warning)
{
    public const string DefaultGroup = "edgectl";
    public const string GroupKey = "Edge:LocalApi:Group";

    private const int OwnerReadWrite = 0x180; // 0600
    private const int GroupReadWrite = 0x30; // 0060

    public static LocalApiSocketAccess OwnerOnly { get; } = new(null, null, null);

    /// <summary>0660 with a group, 0600 without.</summary>
    public UnixFileMode SocketMode => (UnixFileMode)(GroupId is null ? OwnerReadWrite : OwnerReadWrite | GroupReadWrite);

    /// <summary>How the starting line of the log describes it.</summary>
    public string Describe() => GroupId is null ? "mode 0600, owner only" : $"mode 0660, group {GroupName}";

    /// <summary>
    /// The configuration error of an explicitly configured group that does not exist (null when there is none to report):
    /// the key was set on purpose, so the edge refuses to start rather than quietly shut the technicians out.
    /// </summary>
    public static string? CheckConfigured(string? configured)
    {
        if (string.IsNullOrEmpty(configured) || NativeFiles.TryGetGroupId(configured, out _))
        {
            return null;
        }

        return $"{GroupKey}: there is no group '{configured}' on this system; create it (groupadd --system {configured}) and add " +
            $"the technicians to it, leave the key out (default {DefaultGroup}, when it exists), or set it to \"\" for a socket only the edge's user may use";
    }

    /// <summary>
    /// <paramref name="configured"/> null: <see cref="DefaultGroup"/> when it exists and this process may use it, otherwise
    /// owner only with a <see cref="Warning"/>. Empty: owner only. A name: that group, which must exist (see
    /// <see cref="CheckConfigured"/>) and be one of this process's groups, or <see cref="LocalApiGroupException"/>.
    /// </summary>
    public static LocalApiSocketAccess Resolve(string? configured, string defaultGroup = DefaultGroup)
    {
        if (configured is { Length: 0 })
        {
            return OwnerOnly;
        }

        var name = configured ?? defaultGroup;
        if (!NativeFiles.TryGetGroupId(name, out var gid))
        {
            return configured is null
                ? OwnerOnly with
                {
                    Warning = $"the group '{name}' does not exist, so the local API socket is mode 0600: only the edge's own user (and root) " +
                        $"can use edgectl. Create it (groupadd --system {name}), add the edge's user and the technicians to it and restart, " +
                        $"or set {GroupKey} (\"\" for an owner-only socket without this warning)",
                }
                : throw new LocalApiGroupException(CheckConfigured(configured)!);
        }

        if (!NativeFiles.MayUseGroup(gid))
        {
            var uid = NativeFiles.EffectiveUserId().ToString(CultureInfo.InvariantCulture);
            var fix = $"add the edge's user to it (usermod -aG {name} USER) and restart the edge";
            return configured is null
                ? OwnerOnly with
                {
                    Warning = $"the edge's user (uid {uid}) is not a member of group '{name}', so the local API socket is mode 0600: only the " +
                        $"edge's own user (and root) can use edgectl. To let the group's members use it, {fix}; or set {GroupKey}",
                }
                : throw new LocalApiGroupException(
                    $"{GroupKey}: the edge's user (uid {uid}) is not a member of group '{name}', so it cannot give the local API socket that group; {fix}, or choose another group");
        }

        return new LocalApiSocketAccess(name, gid, null);
    }
}
