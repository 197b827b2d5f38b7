//! The handlers every soft-deletable resource has in the same shape (get one, delete,
//! restore), written once: `row_routes!` generates them, with their OpenAPI
//! operations, over a domain's generated `get`, `soft_delete` and `restore` queries;
//! `get_route!` the get alone.

/// Generates the `get` handler of one resource (and its OpenAPI operation), over the
/// domain's generated `get` query; `row_routes!` uses it, and a resource without soft
/// delete uses it alone.
// rustfmt indents a macro's nested attribute arguments further on every run.
#[rustfmt::skip]
macro_rules! get_route {
    (
        queries = $q:ident,
        row = $row:ident,
        tag = $tag:tt,
        path = $path:tt,
        id = $id_doc:tt,
        read = $read:ident $read_key:tt,
        get = $get:ident $get_op:tt $get_doc:tt $(,)?
    ) => {
        #[doc = $get_doc]
        #[utoipa::path(
                    get,
                    path = $path,
                    tag = $tag,
                    operation_id = $get_op,
                    params(("id" = i64, Path, description = $id_doc)),
                    security(("bearer" = [$read_key])),
                    responses(
                        (status = 200, description = "The row", body = $row),
                        $crate::docs::Denied,
                        $crate::docs::Malformed,
                        $crate::docs::Missing
                    )
                )]
        async fn $get(
            mut auth: $crate::auth::Authorized<$crate::auth::need::$read>,
            $crate::extract::Path(id): $crate::extract::Path<i64>,
        ) -> Result<axum::Json<$row>, $crate::error::ApiError> {
            let tx = auth.begin().await?;
            let row = $q::get().bind(&tx, &id).opt().await?;
            tx.commit().await?;
            let row = row.ok_or($crate::error::ApiError::NotFound { entity: ENTITY, id })?;
            Ok(axum::Json(row.into()))
        }
    };
}

/// Generates `get`, `delete` and `restore` handlers for one resource.
///
/// Its module must have `ENTITY` and `FIELDS` and the response type `$row` with
/// `From<` the query's row `>`; literals are passed as token trees so utoipa's
/// attribute sees them as plain literals.
#[rustfmt::skip]
macro_rules! row_routes {
    (
        queries = $q:ident,
        row = $row:ident,
        tag = $tag:tt,
        path = $path:tt,
        restore_path = $restore_path:tt,
        id = $id_doc:tt,
        read = $read:ident $read_key:tt,
        write = $write:ident $write_key:tt,
        get = $get:ident $get_op:tt $get_doc:tt,
        delete = $delete:ident $delete_op:tt $delete_doc:tt,
        restore = $restore:ident $restore_op:tt $restore_doc:tt [$($restore_extra:ident),*],
        deleted = $deleted:tt $(,)?
    ) => {
        $crate::domains::rows::get_route! {
            queries = $q,
            row = $row,
            tag = $tag,
            path = $path,
            id = $id_doc,
            read = $read $read_key,
            get = $get $get_op $get_doc,
        }

        #[doc = $delete_doc]
        #[utoipa::path(
            delete,
            path = $path,
            tag = $tag,
            operation_id = $delete_op,
            params(("id" = i64, Path, description = $id_doc)),
            security(("bearer" = [$write_key])),
            responses(
                (status = 204, description = "Deleted"),
                $crate::docs::Denied,
                $crate::docs::Malformed,
                $crate::docs::Missing,
                $crate::docs::Limited
            )
        )]
        async fn $delete(
            mut auth: $crate::auth::Authorized<$crate::auth::need::$write>,
            $crate::extract::Path(id): $crate::extract::Path<i64>,
        ) -> Result<axum::http::StatusCode, $crate::error::ApiError> {
            let tx = auth.begin().await?;
            $q::soft_delete()
                .bind(&tx, &id)
                .opt()
                .await
                .map_err($crate::domains::refused(ENTITY, FIELDS))?
                .ok_or($crate::error::ApiError::NotFound { entity: ENTITY, id })?;
            tx.commit().await?;
            Ok(axum::http::StatusCode::NO_CONTENT)
        }

        #[doc = $restore_doc]
        #[utoipa::path(
            post,
            path = $restore_path,
            tag = $tag,
            operation_id = $restore_op,
            params(("id" = i64, Path, description = $id_doc)),
            security(("bearer" = [$write_key])),
            responses(
                (status = 200, description = "The restored row", body = $row),
                $crate::docs::Denied,
                $crate::docs::Malformed,
                $crate::docs::Missing,
                $crate::docs::Limited
                $(, $crate::docs::$restore_extra)*
            )
        )]
        async fn $restore(
            mut auth: $crate::auth::Authorized<$crate::auth::need::$write>,
            $crate::extract::Path(id): $crate::extract::Path<i64>,
        ) -> Result<axum::Json<$row>, $crate::error::ApiError> {
            let tx = auth.begin().await?;
            let row = $q::restore()
                .bind(&tx, &id)
                .opt()
                .await
                .map_err($crate::domains::refused(ENTITY, FIELDS))?
                .ok_or($crate::error::ApiError::NotFound { entity: $deleted, id })?;
            tx.commit().await?;
            Ok(axum::Json(row.into()))
        }
    };
}

pub(crate) use {get_route, row_routes};
