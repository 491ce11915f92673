using System.Text.Json;
using City.Central.Auth;

namespace City.Central.Tests;

/// <summary>The token file and the `central token` command, in-process.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TokenStoreTests : IDisposable
{
    private readonly string _dataPath = Directory.CreateTempSubdirectory("central-tokens-").FullName;

    [Fact]
    public void A_created_token_authenticates_with_its_role_and_has_a_recognisable_prefix()
    {
        var store = new TokenStore(_dataPath, TimeProvider.System);
        var token = store.Create("ops", ApiRole.Operator);

        Assert.StartsWith(TokenStore.Prefix, token, StringComparison.Ordinal);
        Assert.Equal(TokenStore.Prefix.Length + 43, token.Length); // 32 random bytes, base64url without padding
        Assert.DoesNotContain('=', token);
        Assert.Equal(new TokenRecord("ops", ApiRole.Operator, store.List().Single().Created), store.Authenticate(token));
        Assert.Null(store.Authenticate(token + "x"));
        Assert.Null(store.Authenticate(TokenStore.Prefix));
        Assert.NotEqual(token, store.Create("ops2", ApiRole.Operator));
    }

    [Fact]
    public void The_file_is_mode_0600_and_holds_only_the_hash_of_the_token()
    {
        var store = new TokenStore(_dataPath, TimeProvider.System);
        var token = store.Create("viewer1", ApiRole.Viewer);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        var text = File.ReadAllText(store.FilePath);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(token[TokenStore.Prefix.Length..], text, StringComparison.Ordinal);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
        Assert.Contains(sha256, text, StringComparison.Ordinal);

        // Rewritten by a revoke: still 0600, and no file left behind.
        store.Create("viewer2", ApiRole.Viewer);
        store.Revoke("viewer1");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        Assert.Equal([TokenStore.FileName], Directory.GetFiles(_dataPath).Select(Path.GetFileName));
    }

    [Fact]
    public void A_name_in_use_is_refused_and_a_bad_name_too()
    {
        var store = new TokenStore(_dataPath, TimeProvider.System);
        store.Create("alice", ApiRole.Admin);
        Assert.Contains("exists", Assert.Throws<TokenStoreException>(() => store.Create("alice", ApiRole.Viewer)).Message, StringComparison.Ordinal);
        Assert.Throws<TokenStoreException>(() => store.Create("has space", ApiRole.Viewer));
        Assert.Throws<TokenStoreException>(() => store.Create(string.Empty, ApiRole.Viewer));
        Assert.Equal(ApiRole.Admin, store.List().Single().Role);
    }

    [Fact]
    public void A_change_by_another_store_is_seen_at_the_next_authentication_even_at_the_same_length()
    {
        var running = new TokenStore(_dataPath, TimeProvider.System);
        var cli = new TokenStore(_dataPath, TimeProvider.System);
        var first = cli.Create("same", ApiRole.Viewer);
        Assert.NotNull(running.Authenticate(first));

        // Revoked and created again at once: a file of the same length, written within the file system's clock tick.
        cli.Revoke("same");
        var second = cli.Create("same", ApiRole.Viewer);
        Assert.Null(running.Authenticate(first));
        Assert.NotNull(running.Authenticate(second));

        cli.Revoke("same");
        Assert.Null(running.Authenticate(second));
    }

    [Fact]
    public void A_file_that_does_not_parse_authenticates_nobody_and_is_not_overwritten()
    {
        var store = new TokenStore(_dataPath, TimeProvider.System);
        var token = store.Create("x", ApiRole.Admin);
        File.WriteAllText(store.FilePath, "{ not json");

        Assert.Null(store.Authenticate(token));
        Assert.NotNull(store.Problem);
        Assert.Throws<TokenStoreException>(() => store.Create("y", ApiRole.Viewer));
        Assert.Equal("{ not json", File.ReadAllText(store.FilePath));
    }

    [Fact]
    public async Task The_command_creates_once_lists_without_secrets_and_revokes()
    {
        var (code, output, error) = await TokenAsync("create", "--name", "e2e", "--role", "admin", "--json");
        Assert.True(code == 0, error);
        var created = JsonDocument.Parse(output).RootElement;
        Assert.Equal("e2e", created.GetProperty("name").GetString());
        Assert.Equal("admin", created.GetProperty("role").GetString());
        var token = created.GetProperty("token").GetString()!;
        Assert.NotNull(new TokenStore(_dataPath, TimeProvider.System).Authenticate(token));

        (code, output, error) = await TokenAsync("create", "--name", "plain", "--role", "viewer");
        Assert.Equal(0, code);
        Assert.StartsWith(TokenStore.Prefix, output.Trim(), StringComparison.Ordinal);
        Assert.Contains("shown only this once", error, StringComparison.Ordinal);

        (code, _, error) = await TokenAsync("create", "--name", "e2e", "--role", "viewer");
        Assert.Equal(1, code);
        Assert.Contains("exists", error, StringComparison.Ordinal);

        (code, output, _) = await TokenAsync("list", "--json");
        Assert.Equal(0, code);
        var listed = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(["e2e", "plain"], listed.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["admin", "viewer"], listed.Select(t => t.GetProperty("role").GetString()));
        Assert.DoesNotContain(token, output, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256", output, StringComparison.OrdinalIgnoreCase);
        Assert.All(listed, t => Assert.Equal(["name", "role", "created"], t.EnumerateObject().Select(p => p.Name)));

        (code, output, _) = await TokenAsync("revoke", "e2e");
        Assert.Equal(0, code);
        Assert.Null(new TokenStore(_dataPath, TimeProvider.System).Authenticate(token));
        (code, _, error) = await TokenAsync("revoke", "e2e");
        Assert.Equal(1, code);
        Assert.Contains("no token named 'e2e'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create", "--name", "x")]
    [InlineData("create", "--name", "x", "--role", "root")]
    [InlineData("create", "--role", "viewer")]
    [InlineData("revoke")]
    [InlineData("show")]
    [InlineData("list", "--name", "x")]
    public async Task A_wrong_command_line_exits_2_with_the_usage(params string[] args)
    {
        var (code, output, error) = await TokenAsync(args);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("usage: central token", error, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output, string Error)> TokenAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await TokenCommand.RunAsync(["token", .. args, $"--Central:DataPath={_dataPath}"], output, error);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);
}
