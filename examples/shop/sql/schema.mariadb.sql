-- The shop's relational schema, MariaDB/MySQL dialect (InnoDB for foreign keys and transactions).
-- Money is integer cents (BIGINT); every table has an AUTO_INCREMENT id and a version column for
-- optimistic locking. CHECK constraints are enforced from MariaDB 10.2.1 on.
CREATE TABLE IF NOT EXISTS users (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username   VARCHAR(64)  NOT NULL,
    email      VARCHAR(254) NOT NULL,
    full_name  VARCHAR(200) NOT NULL,
    is_seller  TINYINT(1)   NOT NULL DEFAULT 0 CHECK (is_seller IN (0, 1)),
    created_at VARCHAR(40)  NOT NULL,
    version    BIGINT       NOT NULL DEFAULT 1,
    CONSTRAINT users_username_unique UNIQUE (username),
    CONSTRAINT users_email_unique UNIQUE (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS categories (
    id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    parent_id BIGINT       NULL,
    name      VARCHAR(200) NOT NULL,
    version   BIGINT       NOT NULL DEFAULT 1,
    KEY categories_parent (parent_id, name),
    CONSTRAINT categories_parent_fk FOREIGN KEY (parent_id) REFERENCES categories (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS products (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    seller_id   BIGINT        NOT NULL,
    category_id BIGINT        NOT NULL,
    name        VARCHAR(200)  NOT NULL,
    description VARCHAR(4000) NULL,
    price_cents BIGINT        NOT NULL CHECK (price_cents >= 0),
    inventory   BIGINT        NOT NULL CHECK (inventory >= 0),
    created_at  VARCHAR(40)   NOT NULL,
    version     BIGINT        NOT NULL DEFAULT 1,
    KEY products_category (category_id, id),
    KEY products_seller (seller_id, id),
    CONSTRAINT products_seller_fk FOREIGN KEY (seller_id) REFERENCES users (id),
    CONSTRAINT products_category_fk FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS cart_items (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT      NOT NULL,
    product_id BIGINT      NOT NULL,
    quantity   BIGINT      NOT NULL CHECK (quantity > 0),
    added_at   VARCHAR(40) NOT NULL,
    version    BIGINT      NOT NULL DEFAULT 1,
    CONSTRAINT cart_items_user_product_unique UNIQUE (user_id, product_id),
    CONSTRAINT cart_items_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT cart_items_product_fk FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS orders (
    id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id     BIGINT      NOT NULL,
    status      VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled')),
    total_cents BIGINT      NOT NULL CHECK (total_cents >= 0),
    item_count  BIGINT      NOT NULL CHECK (item_count >= 0),
    created_at  VARCHAR(40) NOT NULL,
    recency_key VARCHAR(64) NOT NULL,
    version     BIGINT      NOT NULL DEFAULT 1,
    KEY orders_user (user_id, recency_key),
    KEY orders_status (status, recency_key),
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS order_items (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id         BIGINT       NOT NULL,
    product_id       BIGINT       NOT NULL,
    product_name     VARCHAR(200) NOT NULL,
    unit_price_cents BIGINT       NOT NULL CHECK (unit_price_cents >= 0),
    quantity         BIGINT       NOT NULL CHECK (quantity > 0),
    version          BIGINT       NOT NULL DEFAULT 1,
    KEY order_items_order (order_id, id),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_items_product_fk FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
