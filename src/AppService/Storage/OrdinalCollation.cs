using System.Globalization;
using LiteDB;
using LiteDB.Engine;

namespace OpenMeet.AppService.Storage;

/// <summary>
/// How the database compares text: ordinal. LiteDB's default ignores case, which made <c>SECPROBE</c> and
/// <c>secprobe</c> one tenant; ids are compared as they are written, everywhere. A file made by an
/// older version is copied once into an ordinal one (LiteDB's own rebuild to a new collation fails on
/// files of some thousand documents: "Detected loop in FindAll"), and the old file is kept beside it.
/// </summary>
public static class OrdinalCollation
{
    public static readonly Collation Value = new(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal);

    /// <summary>Where the file of an older version is kept after its copy: <c>openmeet.db.before-ordinal</c>.</summary>
    public static string BackupPath(string path) => path + ".before-ordinal";

    /// <summary>Copies the database at <paramref name="path"/> into an ordinal one if it is not; the collation it had, or null.</summary>
    public static string? Migrate(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var copy = path + ".ordinal";
        string made;
        using (var old = new LiteEngine(new EngineSettings { Filename = path }))
        {
            made = old.Pragma(Pragmas.COLLATION).AsString;
            if (made == Value.ToString())
            {
                return null;
            }

            // A copy an earlier attempt left half made is started again.
            File.Delete(copy);
            File.Delete(RecoveringEngine.LogPath(copy));
            using var fresh = new LiteEngine(new EngineSettings { Filename = copy, Collation = Value });
            foreach (var collection in Read(old, "$cols").Where(c => c["type"] == "user").Select(c => c["name"].AsString))
            {
                fresh.Insert(collection, Read(old, collection), BsonAutoId.ObjectId);
            }

            foreach (var index in Read(old, "$indexes").Where(i => i["name"] != "_id"))
            {
                fresh.EnsureIndex(index["collection"], index["name"], BsonExpression.Create(index["expression"]), index["unique"]);
            }

            fresh.Pragma(Pragmas.USER_VERSION, old.Pragma(Pragmas.USER_VERSION));
            fresh.Checkpoint();
            old.Checkpoint();
        }

        // The copy takes the file's name in one rename; the old file stays as the backup.
        File.Replace(copy, path, BackupPath(path));
        return made;
    }

    private static List<BsonDocument> Read(LiteEngine engine, string collection)
    {
        var documents = new List<BsonDocument>();
        using var reader = engine.Query(collection, new Query());
        while (reader.Read())
        {
            documents.Add(reader.Current.AsDocument);
        }

        return documents;
    }
}
