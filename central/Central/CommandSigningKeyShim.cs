using System.Security.Cryptography;
using City.Central.Pki;

namespace City.Central;

/// <summary>TEMPORARY until PkiStore.LoadCommandSigningKey arrives from the contract branch (then deleted).</summary>
internal static class CommandSigningKeyShim
{
    public static ECDsa LoadCommandSigningKey(this PkiStore pki)
    {
        var keyFile = Path.Combine(pki.Directory, "command-signing.key");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(keyFile))
        {
            key.ImportFromPem(File.ReadAllText(keyFile));
            return key;
        }

        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(Path.Combine(pki.Directory, "command-signing.pub"), key.ExportSubjectPublicKeyInfoPem());
        return key;
    }
}
